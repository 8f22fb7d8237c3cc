package plan

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/expr"
)

func TestOpenSplits(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var got []string
	RegisterSplitKind("plan.test", func(specs []json.RawMessage) (Source, error) {
		got = got[:0]
		for _, s := range specs {
			got = append(got, string(s))
		}
		return src{sc}, nil
	})
	s, err := OpenSplits([]Split{{Kind: "plan.test", Spec: json.RawMessage(`1`)}, {Kind: "plan.test", Spec: json.RawMessage(`2`)}})
	if err != nil || s.Schema() != sc || strings.Join(got, ",") != "1,2" {
		t.Fatalf("OpenSplits: %v, %v, specs %v", s, err, got)
	}
	cases := []struct {
		name   string
		splits []Split
		want   error
		text   string
	}{
		{"none", nil, expr.ErrInvalidArgument, "at least one"},
		{"two kinds", []Split{{Kind: "plan.test"}, {Kind: "other"}}, expr.ErrInvalidArgument, "one kind at a time"},
		{"unknown kind", []Split{{Kind: "nope"}}, expr.ErrUnsupported, "known: plan.test"},
	}
	for _, tc := range cases {
		_, err := OpenSplits(tc.splits)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: got %v, want %v mentioning %q", tc.name, err, tc.want, tc.text)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a kind twice did not panic")
		}
	}()
	RegisterSplitKind("plan.test", nil)
}
