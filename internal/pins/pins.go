//go:build pins

// Package pins holds the module's dependency pins that no package imports
// yet, so that `go mod tidy` keeps them in go.mod at the agreed version.
// It is never built (the "pins" build tag is never set). Remove a line when
// a real package starts importing that module.
package pins

import (
	// Kafka client for streaming/kafka (DESIGN.md: only streaming/kafka
	// imports kafka-go).
	_ "github.com/segmentio/kafka-go"
)
