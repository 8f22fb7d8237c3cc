package optimize

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

type fakeSource struct {
	name   string
	schema *arrow.Schema
}

func (f fakeSource) Schema() *arrow.Schema { return f.schema }
func (f fakeSource) String() string        { return f.name }
func (f fakeSource) Scan(context.Context, memory.Allocator, plan.ScanRequest) ([]arrow.Array, int, error) {
	return nil, 0, nil
}

func scan(t *testing.T, name string, cols ...string) plan.Node {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		typ := arrow.DataType(arrow.PrimitiveTypes.Int64)
		if strings.HasPrefix(c, "s") {
			typ = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: c, Type: typ, Nullable: true}
	}
	n, err := plan.NewScan(fakeSource{name, arrow.NewSchema(fields, nil)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func col(n string) expr.Expr { return expr.Column{Name: n} }
func lit(v any) expr.Expr    { return expr.Literal{Value: v} }
func bin(op expr.BinOp, l, r expr.Expr) expr.Expr {
	return expr.Binary{Op: op, L: l, R: r}
}

// TestGolden checks each rule's effect through Explain text; regenerate
// with go test ./dataframe/optimize -update.
func TestGolden(t *testing.T) {
	cases := map[string]func(t *testing.T) (plan.Node, []Rule){
		"predicate_pushdown_select": func(t *testing.T) (plan.Node, []Rule) {
			s := scan(t, "t", "a", "b", "c")
			sel := must[*plan.Select](t)(plan.NewSelect(s, []expr.Expr{col("a"), expr.Alias{X: bin(expr.Mul, col("b"), lit(int64(2))), Name: "b2"}}))
			f := must[*plan.Filter](t)(plan.NewFilter(sel, bin(expr.And, bin(expr.Gt, col("a"), lit(int64(1))), bin(expr.Lt, col("b2"), lit(int64(9))))))
			return f, []Rule{PredicatePushdown{}}
		},
		"predicate_pushdown_join": func(t *testing.T) (plan.Node, []Rule) {
			l := scan(t, "left", "k", "a")
			r := scan(t, "right", "k", "b")
			j := must[*plan.Join](t)(plan.NewJoin(l, r, []string{"k"}, []string{"k"}, plan.Inner, ""))
			f := must[*plan.Filter](t)(plan.NewFilter(j, bin(expr.And, bin(expr.Gt, col("a"), lit(int64(1))), bin(expr.Eq, col("b"), lit(int64(2))))))
			return f, []Rule{PredicatePushdown{}}
		},
		"predicate_pushdown_groupby": func(t *testing.T) (plan.Node, []Rule) {
			s := scan(t, "t", "k", "v")
			a := must[*plan.Aggregate](t)(plan.NewAggregate(s, []expr.Expr{col("k")}, []expr.Expr{expr.Alias{X: expr.Agg{Func: expr.AggSum, X: col("v")}, Name: "s"}}))
			f := must[*plan.Filter](t)(plan.NewFilter(a, bin(expr.And, bin(expr.Gt, col("k"), lit(int64(1))), bin(expr.Gt, col("s"), lit(int64(10))))))
			return f, []Rule{PredicatePushdown{}}
		},
		"projection_pushdown": func(t *testing.T) (plan.Node, []Rule) {
			s := scan(t, "t", "a", "b", "c", "d")
			f := must[*plan.Filter](t)(plan.NewFilter(s, bin(expr.Gt, col("d"), lit(int64(0)))))
			sel := must[*plan.Select](t)(plan.NewSelect(f, []expr.Expr{col("a"), expr.Alias{X: bin(expr.Add, col("b"), lit(int64(1))), Name: "b1"}}))
			return sel, []Rule{PredicatePushdown{}, ProjectionPushdown{}}
		},
		"projection_pushdown_join": func(t *testing.T) (plan.Node, []Rule) {
			l := scan(t, "left", "k", "a", "x")
			r := scan(t, "right", "k", "a", "y")
			j := must[*plan.Join](t)(plan.NewJoin(l, r, []string{"k"}, []string{"k"}, plan.Inner, ""))
			sel := must[*plan.Select](t)(plan.NewSelect(j, []expr.Expr{col("a_right"), col("x")}))
			return sel, []Rule{ProjectionPushdown{}}
		},
		"constant_folding": func(t *testing.T) (plan.Node, []Rule) {
			s := scan(t, "t", "a")
			f := must[*plan.Filter](t)(plan.NewFilter(s, bin(expr.And, bin(expr.Eq, bin(expr.Add, lit(int64(1)), lit(int64(1))), lit(int64(2))), bin(expr.Gt, col("a"), bin(expr.Mul, lit(int64(3)), lit(int64(4)))))))
			sel := must[*plan.Select](t)(plan.NewSelect(f, []expr.Expr{expr.Alias{X: bin(expr.Add, col("a"), bin(expr.Sub, lit(10.0), lit(int64(4)))), Name: "a6"}}))
			return sel, []Rule{ConstantFolding{}}
		},
		"cse": func(t *testing.T) (plan.Node, []Rule) {
			s := scan(t, "t", "a", "b")
			common := bin(expr.Mul, bin(expr.Add, col("a"), col("b")), lit(int64(2)))
			sel := must[*plan.Select](t)(plan.NewSelect(s, []expr.Expr{
				expr.Alias{X: common, Name: "x"},
				expr.Alias{X: bin(expr.Sub, common, lit(int64(1))), Name: "y"},
			}))
			return sel, []Rule{CSE{}}
		},
		"all_rules": func(t *testing.T) (plan.Node, []Rule) {
			s := scan(t, "t", "k", "v", "w", "sx")
			wc := must[*plan.WithColumns](t)(plan.NewWithColumns(s, []expr.Expr{expr.Alias{X: bin(expr.Mul, col("v"), lit(int64(2))), Name: "v2"}}))
			f := must[*plan.Filter](t)(plan.NewFilter(wc, bin(expr.And, lit(true), bin(expr.Gt, col("w"), bin(expr.Add, lit(int64(1)), lit(int64(1)))))))
			a := must[*plan.Aggregate](t)(plan.NewAggregate(f, []expr.Expr{col("k")}, []expr.Expr{expr.Alias{X: expr.Agg{Func: expr.AggSum, X: col("v2")}, Name: "s"}}))
			return a, nil
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			n, rules := build(t)
			opt, err := Optimize(n, rules)
			if err != nil {
				t.Fatal(err)
			}
			got := "# input\n" + plan.Explain(n) + "# optimized\n" + plan.Explain(opt)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("explain mismatch for %s\n--- got\n%s--- want\n%s", name, got, want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		in   expr.Expr
		want string
	}{
		{bin(expr.Add, lit(int64(1)), lit(int64(2))), "3"},
		{bin(expr.Div, lit(int64(1)), lit(int64(2))), "0.5"},
		{bin(expr.And, col("a"), lit(true)), `col("a")`},
		{bin(expr.Or, col("a"), lit(true)), "true"},
		{bin(expr.Lt, lit("a"), lit("b")), "true"},
		{expr.Unary{Op: expr.Not, X: lit(false)}, "true"},
		{bin(expr.Add, col("a"), lit(int64(1))), `[(col("a")) + (1)]`},
	}
	for _, tc := range tests {
		if got := Fold(tc.in).String(); got != tc.want {
			t.Errorf("Fold(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
