package interp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestScratch(t *testing.T) {
	cells := os.Getenv("CELLS")
	if cells == "" {
		t.Skip()
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range strings.Split(cells, "\n----\n") {
		r, err := s.Eval(context.Background(), c)
		fmt.Printf("--- [%d] err=%v", i, err)
		for _, v := range r.Values {
			if v.IsValid() {
				fmt.Printf(" val=%v (%s)", v, v.Type())
			} else {
				fmt.Print(" val=<invalid>")
			}
		}
		fmt.Println()
	}
}
