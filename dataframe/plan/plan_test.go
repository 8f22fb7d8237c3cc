package plan

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
)

type src struct{ s *arrow.Schema }

func (s src) Schema() *arrow.Schema { return s.s }
func (s src) String() string        { return "t" }
func (s src) Scan(context.Context, memory.Allocator, ScanRequest) ([]arrow.Array, int, error) {
	return nil, 0, nil
}

func TestConstructors(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Float64}}, nil)
	s, err := NewScan(src{sc}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := NewJoin(s, s, []string{"k"}, []string{"k"}, Left, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Schema().String(); !strings.Contains(got, "v_right") {
		t.Errorf("join schema %s", got)
	}
	if _, err := NewSort(s, []expr.Expr{expr.Column{Name: "k"}}, []bool{true, false}, nil, true); !errors.Is(err, expr.ErrInvalidArgument) {
		t.Errorf("sort flags: %v", err)
	}
	if _, err := NewRename(s, []string{"k"}, []string{"v"}); !errors.Is(err, expr.ErrDuplicateColumn) {
		t.Errorf("rename: %v", err)
	}
	if _, err := NewExplode(s, "k"); !errors.Is(err, expr.ErrTypeMismatch) {
		t.Errorf("explode: %v", err)
	}
	a, err := NewAggregate(s, []expr.Expr{expr.Column{Name: "k"}}, []expr.Expr{expr.Alias{X: expr.Agg{Func: expr.AggSum, X: expr.Column{Name: "v"}}, Name: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "AGGREGATE [col(\"v\").sum().alias(\"s\")] BY [col(\"k\")]\n  SCAN t PROJECT */2 COLUMNS\n"
	if got := Explain(a); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
