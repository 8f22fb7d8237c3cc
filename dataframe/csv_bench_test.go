package dataframe

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// BenchmarkReadCSVFile reads the CSV file named by $DF_CSV_FILE (for
// example db-benchmark's G1_1e7_1e2_0_0.csv) and reports rows/s and CPU
// time per row; it is skipped when the variable is unset. The columns
// named in $DF_CSV_CATEGORICAL (comma-separated) are read as Categorical.
func BenchmarkReadCSVFile(b *testing.B) {
	path := os.Getenv("DF_CSV_FILE")
	if path == "" {
		b.Skip("set DF_CSV_FILE to a CSV file")
	}
	var opts CSVOptions
	if cats := os.Getenv("DF_CSV_CATEGORICAL"); cats != "" {
		opts.Types = map[string]arrow.DataType{}
		for _, c := range strings.Split(cats, ",") {
			opts.Types[c] = Categorical
		}
	}
	rows := 0
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		f, err := ReadCSV(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		rows += f.NumRows()
		f.Release()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	// CPU time per row does not depend on the load of a shared machine.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(rows), "cpu-ns/row")
}

// BenchmarkReadCSVBytes parses 1M rows shaped like db-benchmark's G1
// table held in memory (no file read), one range per core.
func BenchmarkReadCSVBytes(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(1, 2))
	data := []byte("id1,id2,id3,id4,id5,id6,v1,v2,v3\n")
	for i := 0; i < n; i++ {
		data = fmt.Appendf(data, "id%03d,id%03d,id%010d,%d,%d,%d,%d,%d,%.6f\n", r.IntN(100)+1, r.IntN(100)+1, r.IntN(n/100)+1,
			r.IntN(100)+1, r.IntN(100)+1, r.IntN(n/100)+1, r.IntN(5)+1, r.IntN(15)+1, r.Float64()*100)
	}
	for _, tc := range []struct {
		name string
		opts CSVOptions
	}{
		{"infer", CSVOptions{}},
		{"categorical", CSVOptions{Types: map[string]arrow.DataType{"id1": Categorical, "id2": Categorical, "id3": Categorical}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				f, err := ReadCSVBytes("g1.csv", data, tc.opts)
				if err != nil {
					b.Fatal(err)
				}
				f.Release()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(n*b.N), "cpu-ns/row")
		})
	}
}
