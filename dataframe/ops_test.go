package dataframe

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

func colValues(t *testing.T, f *Frame, name string) string {
	t.Helper()
	c, err := f.Column(name)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(c.Values())
}

func TestOperations(t *testing.T) {
	ts := []time.Time{
		time.Date(2024, 1, 2, 13, 45, 0, 0, time.UTC),
		time.Date(2023, 12, 31, 23, 59, 0, 0, time.UTC),
		time.Date(2024, 6, 15, 0, 30, 0, 0, time.UTC),
	}
	tsS, _ := NewSeries("ts", ts)
	base, err := New(tsS, NewStringSeries("s", []string{"a-b", "c", "a-b"}), NewInt64Series("n", []int64{3, 1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	nulls, _ := NewSeries("x", []any{1.0, nil, 3.0})
	withNull, _ := New(nulls, NewInt64Series("n", []int64{1, 2, 3}))
	ctx := context.Background()
	tests := []struct {
		name string
		lf   *LazyFrame
		col  string
		want string
	}{
		{"year", base.Lazy().Select(Col("ts").Dt().Year().Alias("y")), "y", "[2024 2023 2024]"},
		{"month day hour", base.Lazy().Select(Col("ts").Dt().Month().Mul(10000).Add(Col("ts").Dt().Day().Mul(100)).Add(Col("ts").Dt().Hour()).Alias("m")), "m", "[10213 123123 61500]"},
		{"truncate day", base.Lazy().Select(Col("ts").Dt().Truncate("1d").Dt().Hour().Alias("h")), "h", "[0 0 0]"},
		{"truncate month", base.Lazy().Select(Col("ts").Dt().Truncate("1mo").Dt().Day().Alias("d")), "d", "[1 1 1]"},
		{"split explode", base.Lazy().Select(Col("s").Str().Split("-")).Explode("s"), "s", "[a b c a b]"},
		{"contains", base.Lazy().Select(Col("s").Str().Contains("-")), "s", "[true false true]"},
		{"fill_null", withNull.Lazy().Select(Col("x").FillNull(0)), "x", "[1 0 3]"},
		{"fill_null frame", withNull.Lazy().FillNull(-1.0), "x", "[1 -1 3]"},
		{"drop_nulls", withNull.Lazy().DropNulls(), "n", "[1 3]"},
		{"is_null", withNull.Lazy().Select(Col("x").IsNull()), "x", "[false true false]"},
		{"unique", base.Lazy().Unique("s"), "n", "[3 1]"},
		{"concat", Concat(base.Lazy().Select("n"), base.Lazy().Select("n")), "n", "[3 1 2 3 1 2]"},
		{"rank", base.Lazy().Select(Col("n").Rank(false)), "n", "[3 1 2]"},
		{"rank desc over", base.Lazy().Select(Col("n").Rank(true).Over("s")), "n", "[1 1 2]"},
		{"lag", base.Lazy().Select(Col("n").Lag(1)), "n", "[<nil> 3 1]"},
		{"lead over", base.Lazy().Select(Col("n").Lead(1).Over("s")), "n", "[2 <nil> <nil>]"},
		{"rename drop", base.Lazy().Rename("n", "m").Drop("ts", "s"), "m", "[3 1 2]"},
		{"tail", base.Lazy().Tail(2), "n", "[1 2]"},
		{"cast", base.Lazy().Select(Col("n").Cast(Float64).Div(2)), "n", "[1.5 0.5 1]"},
		{"arith", base.Lazy().Select(Col("n").Mul(2).Sub(1).Mod(4).Neg()), "n", "[-1 -1 -3]"},
		{"bool logic", base.Lazy().Select(Col("n").Gt(1).And(Col("n").Lt(3)).Or(Col("n").Eq(1)).Not()), "n", "[true false false]"},
		{"global agg", base.Lazy().Select(Col("n").Sum().Alias("s"), Col("n").Std().Alias("sd")), "s", "[6]"},
		{"quantile", base.Lazy().Select(Col("n").Quantile(0.25)), "n", "[1.5]"},
		{"corr", base.Lazy().Select(Corr(Col("n"), Col("n").Mul(2)).Alias("c")), "c", "[1]"},
		{"var", base.Lazy().Select(Col("n").Var()), "n", "[1]"},
		{"first last", base.Lazy().GroupBy("s").Agg(Col("n").Last().Alias("l")).SortBy("s"), "l", "[2 1]"},
		{"bottom_k", base.Lazy().Select(Col("n").BottomK(2)).Explode("n"), "n", "[1 2]"},
		{"string compare", base.Lazy().Filter(Col("s").Ge("b")), "n", "[1]"},
		{"timestamp compare", base.Lazy().Filter(Col("ts").Lt(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))), "n", "[1]"},
		{"categorical group", base.Lazy().WithColumns(Col("s").Cast(Categorical)).GroupBy("s").Agg(Col("n").Sum()).SortBy("s"), "n", "[5 1]"},
		{"cross join", base.Lazy().Select("n").Join(base.Lazy().Select(Col("s")), JoinOptions{How: Cross}).Head(4), "n", "[3 3 3 1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.lf.Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := colValues(t, out, tc.col); got != tc.want {
				t.Errorf("got %s, want %s\n%v", got, tc.want, out)
			}
		})
	}
}

type countingExecutor struct{ calls int }

func (c *countingExecutor) Execute(ctx context.Context, root plan.Node) (*physical.Table, error) {
	c.calls++
	return exec.Local{Workers: 1}.Execute(ctx, root)
}

func TestExecutorSeam(t *testing.T) {
	e := &countingExecutor{}
	ctx := exec.WithExecutor(context.Background(), e)
	f := mustFrame(t, map[string]any{"a": []int64{1, 2}})
	out, err := f.Lazy().Select(Col("a").Sum()).Collect(ctx)
	if err != nil || e.calls != 1 {
		t.Fatalf("calls %d err %v", e.calls, err)
	}
	if colValues(t, out, "a") != "[3]" {
		t.Error(out)
	}
	if _, ok := exec.FromContext(context.Background()).(exec.Local); !ok {
		t.Error("default executor is not Local")
	}
}

func TestLazyErrorsDeferred(t *testing.T) {
	f := mustFrame(t, map[string]any{"a": []int64{1}})
	lf := f.Lazy().Select("nope").Filter(Col("a").Gt(1)).GroupBy("a").Agg(Len())
	if !errors.Is(lf.Err(), ErrColumnNotFound) {
		t.Errorf("Err() = %v", lf.Err())
	}
	if _, err := lf.Explain(true); !errors.Is(err, ErrColumnNotFound) {
		t.Errorf("Explain err = %v", err)
	}
	phys, err := f.Lazy().GroupBy("a").Agg(Len()).ExplainPhysical()
	if err != nil || phys == "" {
		t.Errorf("physical explain %q %v", phys, err)
	}
}
