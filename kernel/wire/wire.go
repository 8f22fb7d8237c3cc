package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"sync"
	"time"
)

// Version is the messaging protocol version this package speaks.
const Version = "5.3"

// Delimiter separates routing identities from the message parts.
const Delimiter = "<IDS|MSG>"

var (
	// ErrMalformed reports frames that are not a Jupyter message.
	ErrMalformed = errors.New("wire: malformed message")
	// ErrSignature reports a message whose HMAC is wrong or missing.
	ErrSignature = errors.New("wire: bad signature")
	// ErrConnectionFile reports an unusable connection file.
	ErrConnectionFile = errors.New("wire: bad connection file")
)

// ConnectionInfo is the content of a kernel connection file.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and checks a connection file.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("%w: %v", ErrConnectionFile, err)
	}
	return ParseConnectionInfo(raw)
}

// ParseConnectionInfo decodes and checks connection-file JSON.
func ParseConnectionInfo(raw []byte) (ConnectionInfo, error) {
	var ci ConnectionInfo
	if err := json.Unmarshal(raw, &ci); err != nil {
		return ConnectionInfo{}, fmt.Errorf("%w: not JSON: %v", ErrConnectionFile, err)
	}
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.Transport != "tcp" && ci.Transport != "ipc" {
		return ConnectionInfo{}, fmt.Errorf("%w: transport %q, want tcp or ipc", ErrConnectionFile, ci.Transport)
	}
	if ci.IP == "" {
		return ConnectionInfo{}, fmt.Errorf("%w: ip is empty", ErrConnectionFile)
	}
	for name, p := range map[string]int{"shell_port": ci.ShellPort, "control_port": ci.ControlPort,
		"stdin_port": ci.StdinPort, "iopub_port": ci.IOPubPort, "hb_port": ci.HBPort} {
		if p <= 0 || p > 65535 {
			return ConnectionInfo{}, fmt.Errorf("%w: %s is %d, want 1..65535", ErrConnectionFile, name, p)
		}
	}
	if ci.SignatureScheme == "" {
		ci.SignatureScheme = "hmac-sha256"
	}
	if ci.Key != "" && ci.SignatureScheme != "hmac-sha256" {
		return ConnectionInfo{}, fmt.Errorf("%w: signature_scheme %q, only hmac-sha256 is supported", ErrConnectionFile, ci.SignatureScheme)
	}
	return ci, nil
}

// Endpoint returns the ZeroMQ address of a port, e.g. tcp://127.0.0.1:5555.
func (ci ConnectionInfo) Endpoint(port int) string {
	if ci.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", ci.IP, port)
	}
	return fmt.Sprintf("%s://%s:%d", ci.Transport, ci.IP, port)
}

// Signer signs and verifies messages with one key.
type Signer struct {
	key  []byte
	pool sync.Pool
}

// NewSigner returns a Signer for key; an empty key disables signing.
func NewSigner(key []byte) *Signer {
	s := &Signer{key: append([]byte(nil), key...)}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// Enabled reports whether messages are signed.
func (s *Signer) Enabled() bool { return len(s.key) > 0 }

// Sign returns the hex signature of the four parts.
func (s *Signer) Sign(parts ...[]byte) []byte {
	if !s.Enabled() {
		return []byte{}
	}
	mac := s.pool.Get().(hash.Hash)
	defer s.pool.Put(mac)
	mac.Reset()
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Verify reports whether sig is the signature of parts, in constant time.
func (s *Signer) Verify(sig []byte, parts ...[]byte) bool {
	if !s.Enabled() {
		return true
	}
	return hmac.Equal(sig, s.Sign(parts...))
}

// Header is a message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one decoded message.
type Message struct {
	Identities [][]byte
	Header     Header
	// Parent is the raw parent_header JSON ("{}" when none).
	Parent   json.RawMessage
	Metadata json.RawMessage
	Content  json.RawMessage
	Buffers  [][]byte
}

// Decode parses frames received on a socket and checks the signature.
func Decode(frames [][]byte, s *Signer) (*Message, error) {
	i := 0
	for i < len(frames) && !bytes.Equal(frames[i], []byte(Delimiter)) {
		i++
	}
	if i == len(frames) {
		return nil, fmt.Errorf("%w: no %s delimiter among %d frames", ErrMalformed, Delimiter, len(frames))
	}
	rest := frames[i+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("%w: %d frames after the delimiter, want at least 5", ErrMalformed, len(rest))
	}
	sig, header, parent, meta, content := rest[0], rest[1], rest[2], rest[3], rest[4]
	if s.Enabled() && len(sig) == 0 {
		return nil, fmt.Errorf("%w: signature missing", ErrSignature)
	}
	if !s.Verify(sig, header, parent, meta, content) {
		return nil, fmt.Errorf("%w: HMAC does not match", ErrSignature)
	}
	m := &Message{Identities: frames[:i], Buffers: rest[5:]}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if m.Header.MsgType == "" {
		return nil, fmt.Errorf("%w: header has no msg_type", ErrMalformed)
	}
	for _, part := range []struct {
		name string
		raw  []byte
		dst  *json.RawMessage
	}{{"parent_header", parent, &m.Parent}, {"metadata", meta, &m.Metadata}, {"content", content, &m.Content}} {
		if len(bytes.TrimSpace(part.raw)) == 0 {
			*part.dst = json.RawMessage("{}")
			continue
		}
		if !json.Valid(part.raw) {
			return nil, fmt.Errorf("%w: %s is not JSON", ErrMalformed, part.name)
		}
		*part.dst = json.RawMessage(part.raw)
	}
	return m, nil
}

// Encode lays out m as frames, signing it with s.
func Encode(m *Message, s *Signer) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("wire: encode header: %w", err)
	}
	parent, meta, content := orEmpty(m.Parent), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(Delimiter), s.Sign(header, parent, meta, content), header, parent, meta, content)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

func orEmpty(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("{}")
	}
	return raw
}

// NewHeader returns a header for a new message of msgType in session.
func NewHeader(msgType, session string) Header {
	return Header{
		MsgID:    NewID(),
		Session:  session,
		Username: "golab",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		MsgType:  msgType,
		Version:  Version,
	}
}

// NewID returns a random UUID-shaped identifier.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Reply builds a message answering (or caused by) parent: its parent_header
// is the parent's header and, for ROUTER replies, it carries the parent's
// identities.
func Reply(parent *Message, msgType string, content any) (*Message, error) {
	body, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("wire: encode %s content: %w", msgType, err)
	}
	m := &Message{
		Header:   NewHeader(msgType, ""),
		Metadata: json.RawMessage("{}"),
		Content:  body,
		Parent:   json.RawMessage("{}"),
	}
	if parent != nil {
		m.Identities = parent.Identities
		m.Header.Session = parent.Header.Session
		ph, err := json.Marshal(parent.Header)
		if err != nil {
			return nil, fmt.Errorf("wire: encode parent header: %w", err)
		}
		m.Parent = ph
	}
	return m, nil
}
