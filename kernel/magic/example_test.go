package magic_test

import (
	"fmt"

	"github.com/golab-dev/golab/kernel/magic"
)

func ExampleParse() {
	m, err := magic.Parse("%%writefile data.csv\na,b\n1,2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Kind, m.Args[0])
	fmt.Print(m.Body)
	// Output:
	// writefile data.csv
	// a,b
	// 1,2
}
