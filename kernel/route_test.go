package kernel

import (
	"sync"
	"testing"
)

func TestRouterAttributesByAncestry(t *testing.T) {
	r := newRouter()
	r.begin("a")
	release := make(chan struct{})
	var got sync.Map
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // started by cell a, outlives it
		defer wg.Done()
		<-release
		got.Store("child", r.cell())
		inner := make(chan string)
		go func() { inner <- r.cell() }() // grandchild, started after a ended
		got.Store("grandchild", <-inner)
	}()
	r.end("a")
	r.begin("b")
	if c := r.cell(); c != "b" {
		t.Errorf("running cell's own goroutine: got %q, want b", c)
	}
	close(release)
	wg.Wait()
	for _, k := range []string{"child", "grandchild"} {
		if v, _ := got.Load(k); v != "a" {
			t.Errorf("%s: got %v, want a", k, v)
		}
	}
}

func TestGoroutineID(t *testing.T) {
	id, parent := selfAndParent()
	if id == 0 || parent == 0 {
		t.Errorf("id=%d parent=%d, want both set", id, parent)
	}
}
