package gen_test

import (
	"fmt"
	"os"

	"github.com/golab-dev/golab/bench/dbbench/gen"
)

// The first rows of a small group-by table (N=1000, K=10) in CSV form.
func ExampleGenerateGroupby() {
	g, err := gen.GenerateGroupby(1000, 10)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := g.Table()
	for i := range t.Columns {
		c := &t.Columns[i]
		c.Ints, c.Floats = c.Ints[:min(2, len(c.Ints))], c.Floats[:min(2, len(c.Floats))]
	}
	gen.WriteCSV(os.Stdout, t)
	fmt.Println(t.Name)
	// Output:
	// id1,id2,id3,id4,id5,id6,v1,v2,v3
	// id010,id009,id0000000046,7,2,75,4,14,89.543771
	// id007,id006,id0000000022,5,8,2,5,3,65.407934
	// G1_1e3_1e1_0_0
}

// R's set.seed(42); runif(2).
func ExampleNewRNG() {
	r := gen.NewRNG(42)
	fmt.Printf("%.7f %.7f\n", r.UnifRand(), r.UnifRand())
	// Output: 0.9148060 0.9370754
}
