package cluster

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// protocolVersion changes whenever the wire form of tasks changes.
const protocolVersion = 3

var buildOnce = sync.OnceValue(func() string {
	if b := os.Getenv("GOLAB_CLUSTER_BUILD"); b != "" {
		return b // tests simulate other builds with this
	}
	arrowV, rev := "unknown", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/apache/arrow-go/v18" {
				arrowV = d.Version
			}
		}
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
	}
	return fmt.Sprintf("proto=%d go=%s arrow=%s rev=%s", protocolVersion, runtime.Version(), arrowV, rev)
})

// Build describes the code this process runs: the task protocol version,
// the Go version, the Arrow version and the VCS revision when the binary
// was built from a checkout. Coordinator and workers must agree.
func Build() string { return buildOnce() }

// compatibleBuilds reports whether two Build strings may work together:
// all fields equal, except that an unknown revision or Arrow version (a
// test binary, a build outside a checkout) matches any.
func compatibleBuilds(a, b string) bool {
	if a == b {
		return true
	}
	fa, fb := strings.Fields(a), strings.Fields(b)
	if len(fa) != len(fb) {
		return false
	}
	for i := range fa {
		if fa[i] == fb[i] {
			continue
		}
		// Test binaries carry no VCS stamp and may lack dependency
		// versions: an unknown field matches anything.
		ka, va, _ := strings.Cut(fa[i], "=")
		kb, vb, _ := strings.Cut(fb[i], "=")
		if ka == kb && (ka == "rev" || ka == "arrow") && (va == "" || vb == "" || va == "unknown" || vb == "unknown") {
			continue
		}
		return false
	}
	return true
}
