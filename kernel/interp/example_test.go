package interp_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/golab-dev/golab/kernel/interp"
)

func ExampleSession_Eval() {
	s, err := interp.New(interp.Options{Stdout: os.Stdout})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx := context.Background()

	// Declarations and statements mix; packages are imported on use.
	s.Eval(ctx, `func Square(x int) int { return x * x }
words := strings.Fields("range over int")
for i := range 3 {
	fmt.Println(i, Square(i))
}`)
	// A final expression is the cell's result.
	r, _ := s.Eval(ctx, "slices.Max([]int{4, 9, 2}) + len(words)")
	fmt.Println(r.Values[0])

	// Errors point into the cell.
	_, err = s.Eval(ctx, "x := 1\ny := undefinedName + x")
	var ce *interp.CellError
	if errors.As(err, &ce) {
		fmt.Println(ce.Line, ce.Msg)
	}
	// Output:
	// 0 0
	// 1 1
	// 2 4
	// 12
	// 2 undefined: undefinedName
}

func ExampleSession_Complete() {
	s, _ := interp.New(interp.Options{})
	defer s.Close()
	matches, start, end := s.Complete("strings.HasP", 12)
	fmt.Println(matches, start, end)
	// Output:
	// [HasPrefix] 8 12
}

func ExampleSession_IsComplete() {
	s, _ := interp.New(interp.Options{})
	defer s.Close()
	for _, code := range []string{"x := 1", "func f() {", "a := 1 +", "x)"} {
		status, _ := s.IsComplete(code)
		fmt.Println(status)
	}
	// Output:
	// complete
	// incomplete
	// incomplete
	// invalid
}
