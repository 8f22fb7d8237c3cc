package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/golab-dev/golab/kernel/client"
)

// Start a GoLab kernel, run a cell and print its outputs in nbformat shape.
// (Not run by go test: it needs a golab binary; TestExecuteOutputs does the same.)
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k, err := client.Start(ctx, client.Config{Argv: []string{"golab", "kernel", "--connection-file", "{connection_file}"}})
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
	res, err := k.Execute(ctx, "fmt.Println(\"hi\")\n1 + 2")
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range res.Outputs {
		fmt.Println(o["output_type"], o["text"], o["data"])
	}
	_ = k.Shutdown(ctx)
}
