package interp_test

import (
	"context"
	"github.com/golab-dev/golab/kernel/interp"
	"github.com/golab-dev/golab/kernel/symbols"
	"testing"
)

func TestDbg(t *testing.T) {
	s, _ := interp.New(interp.Options{Symbols: symbols.All()})
	for _, c := range []string{
		"a := []int{1,2,3}\ni := 5\n_ = a[i]",
		"func g(xs []int, i int) int {\n\tx := 1\n\treturn xs[i] + x\n}",
		"fmt.Println(1)\n\ng(nil, 3)",
		"for i := 0; i < 3; i++ {\n\tfmt.Println(g(nil, i))\n}",
	} {
		r, err := s.Eval(context.Background(), c)
		t.Logf("%s\n => %v %v", c, r, err)
	}
}
