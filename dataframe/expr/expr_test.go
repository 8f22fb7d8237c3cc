package expr

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int32},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64},
	{Name: "s", Type: arrow.BinaryTypes.String},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

func TestTypeOf(t *testing.T) {
	tests := []struct {
		e    Expr
		want string
		err  error
	}{
		{Binary{Op: Add, L: Column{"i"}, R: Literal{int64(1)}}, "int64", nil},
		{Binary{Op: Div, L: Column{"i"}, R: Literal{int64(2)}}, "float64", nil},
		{Binary{Op: Mul, L: Column{"i"}, R: Column{"f"}}, "float64", nil},
		{Binary{Op: Lt, L: Column{"s"}, R: Literal{"x"}}, "bool", nil},
		{Binary{Op: And, L: Column{"b"}, R: Column{"i"}}, "", ErrTypeMismatch},
		{Agg{Func: AggSum, X: Column{"i"}}, "int64", nil},
		{Agg{Func: AggMean, X: Column{"s"}}, "", ErrTypeMismatch},
		{Agg{Func: AggTopK, X: Column{"f"}, Param: 2}, "list<item: float64, nullable>", nil},
		{Func{Name: "str.len", Args: []Expr{Column{"s"}}}, "int64", nil},
		{Func{Name: "dt.year", Args: []Expr{Column{"s"}}}, "", ErrTypeMismatch},
		{Column{"nope"}, "", ErrColumnNotFound},
		{Window{Name: "rank", X: Column{"f"}}, "int64", nil},
	}
	for _, tc := range tests {
		got, err := TypeOf(tc.e, schema)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: got err %v, want %v", tc.e, err, tc.err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("%s: got %v %v, want %s", tc.e, got, err, tc.want)
		}
	}
}

func TestColumnNotFoundSuggests(t *testing.T) {
	err := ColumnNotFound("flaot", schema)
	if !strings.Contains(err.Error(), "available columns: [i, f, s, b]") {
		t.Error(err)
	}
	err = ColumnNotFound("bb", arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.Null}}, nil))
	if !strings.Contains(err.Error(), `did you mean "b"`) {
		t.Error(err)
	}
}

func TestOutputNameAndColumns(t *testing.T) {
	e := Alias{X: Binary{Op: Add, L: Column{"a"}, R: Column{"b"}}, Name: "c"}
	if OutputName(e) != "c" || OutputName(e.X) != "a" || OutputName(Literal{1}) != "literal" {
		t.Error("OutputName")
	}
	if got := strings.Join(Columns(e), ","); got != "a,b" {
		t.Errorf("Columns = %s", got)
	}
	if !HasAgg(Binary{Op: Sub, L: Agg{Func: AggMax, X: Column{"a"}}, R: Literal{int64(1)}}) {
		t.Error("HasAgg")
	}
	terms := SplitAnd(Binary{Op: And, L: Column{"x"}, R: Binary{Op: And, L: Column{"y"}, R: Column{"z"}}})
	if len(terms) != 3 || JoinAnd(terms).String() == "" {
		t.Error("SplitAnd")
	}
}
