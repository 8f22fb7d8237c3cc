package exec

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestContextDefaults(t *testing.T) {
	if _, ok := FromContext(context.Background()).(Local); !ok {
		t.Error("default executor is not Local")
	}
	if AllocatorFromContext(context.Background()) != memory.DefaultAllocator {
		t.Error("default allocator")
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	ctx := WithAllocator(WithExecutor(context.Background(), Local{Workers: 1}), mem)
	if AllocatorFromContext(ctx) != mem {
		t.Error("WithAllocator")
	}
	if l, ok := FromContext(ctx).(Local); !ok || l.Workers != 1 {
		t.Error("WithExecutor")
	}
}
