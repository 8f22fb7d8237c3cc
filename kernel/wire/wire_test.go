package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	s := NewSigner([]byte("secret"))
	parent := &Message{Identities: [][]byte{[]byte("id1")}, Header: NewHeader("execute_request", "sess")}
	m, err := Reply(parent, "execute_reply", map[string]any{"status": "ok"})
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Encode(m, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(frames, s)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got.Header.MsgType != "execute_reply" || got.Header.Session != "sess" {
		t.Errorf("header = %+v", got.Header)
	}
	if !bytes.Equal(got.Identities[0], []byte("id1")) {
		t.Errorf("identities = %q, want id1", got.Identities)
	}
	var ph Header
	if err := json.Unmarshal(got.Parent, &ph); err != nil || ph.MsgID != parent.Header.MsgID {
		t.Errorf("parent = %s, want msg_id %s", got.Parent, parent.Header.MsgID)
	}
}

func TestDecodeRejects(t *testing.T) {
	s := NewSigner([]byte("secret"))
	good, _ := Encode(&Message{Header: NewHeader("kernel_info_request", "x")}, s)
	tamper := func(i int, b []byte) [][]byte {
		f := append([][]byte(nil), good...)
		f[i] = b
		return f
	}
	cases := []struct {
		name   string
		frames [][]byte
		want   error
	}{
		{"no delimiter", [][]byte{[]byte("a")}, ErrMalformed},
		{"short", good[:4], ErrMalformed},
		{"missing signature", tamper(1, nil), ErrSignature},
		{"wrong signature", tamper(1, bytes.Repeat([]byte("0"), 64)), ErrSignature},
		{"changed content", tamper(5, []byte(`{"code":"x"}`)), ErrSignature},
		{"signed by other key", func() [][]byte {
			f, _ := Encode(&Message{Header: NewHeader("a", "b")}, NewSigner([]byte("other")))
			return f
		}(), ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.frames, s)
			if !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestUnsignedWhenNoKey(t *testing.T) {
	s := NewSigner(nil)
	frames, _ := Encode(&Message{Header: NewHeader("kernel_info_request", "x")}, s)
	if len(frames[1]) != 0 {
		t.Fatalf("signature = %q, want empty", frames[1])
	}
	if _, err := Decode(frames, s); err != nil {
		t.Fatal(err)
	}
}

func TestParseConnectionInfo(t *testing.T) {
	cases := []struct {
		name, raw string
		ok        bool
	}{
		{"good", `{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`, true},
		{"bad port", `{"ip":"127.0.0.1","shell_port":0,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, false},
		{"bad scheme", `{"ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-md5"}`, false},
		{"not json", `{`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ci, err := ParseConnectionInfo([]byte(c.raw))
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if c.ok && ci.Endpoint(ci.ShellPort) != "tcp://127.0.0.1:1" {
				t.Errorf("endpoint = %s", ci.Endpoint(ci.ShellPort))
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	s := NewSigner([]byte("k"))
	good, _ := Encode(&Message{Header: NewHeader("execute_request", "x"), Content: json.RawMessage(`{"code":"1"}`)}, s)
	f.Add(bytes.Join(good, []byte{0}))
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames := bytes.Split(data, []byte{0})
		m, err := Decode(frames, s)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same type.
		out, err := Encode(m, s)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Decode(out, s)
		if err != nil || m2.Header.MsgType != m.Header.MsgType {
			t.Fatalf("re-decode: %v", err)
		}
	})
}

func FuzzSignature(f *testing.F) {
	f.Add([]byte("key"), []byte("hdr"), []byte("sig"))
	f.Fuzz(func(t *testing.T, key, part, sig []byte) {
		s := NewSigner(key)
		good := s.Sign(part, part, part, part)
		if !s.Verify(good, part, part, part, part) {
			t.Fatal("own signature rejected")
		}
		if s.Enabled() && !bytes.Equal(sig, good) && s.Verify(sig, part, part, part, part) {
			t.Fatal("foreign signature accepted")
		}
	})
}

func FuzzConnectionFile(f *testing.F) {
	f.Add([]byte(`{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"key":"k"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ci, err := ParseConnectionInfo(raw)
		if err != nil {
			return
		}
		if ci.IP == "" || ci.ShellPort <= 0 {
			t.Fatalf("accepted invalid info %+v", ci)
		}
	})
}
