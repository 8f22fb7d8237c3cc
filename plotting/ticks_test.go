package plotting

import (
	"strings"
	"testing"
	"time"
)

func TestTimeTicks(t *testing.T) {
	base := float64(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).Unix())
	tests := []struct {
		name  string
		span  float64
		first string
	}{
		{"seconds", 3, "00:00:00.000"},
		{"minute", 60, "00:00:00"},
		{"hours", 6 * 3600, "00:00"},
		{"days", 20 * 86400, "Jan 05"},
		{"months", 200 * 86400, "Mar 2026"},
		{"years", 10 * 365 * 86400, "2028"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks := timeTicks{}.Ticks(base, base+tc.span)
			if len(ticks) < 2 || len(ticks) > 15 {
				t.Fatalf("%d ticks, want 2..15: %v", len(ticks), ticks)
			}
			if ticks[0].Label != tc.first {
				t.Errorf("first label %q, want %q (all: %v)", ticks[0].Label, tc.first, ticks)
			}
			for _, tk := range ticks {
				if tk.Value < base-1e-6 || tk.Value > base+tc.span+1e-6 {
					t.Errorf("tick %v outside [%v, %v]", tk, base, base+tc.span)
				}
				if strings.Contains(tk.Label, "e+") {
					t.Errorf("tick label %q is a raw number", tk.Label)
				}
			}
		})
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string
	}{
		{0, 10, "0 2 4 6 8 10"},
		{-0.93, 0.93, "-0.5 0.0 0.5"},
		{0, 8.4, "0 2 4 6 8"},
		{1e8, 5e8, "1e+08 2e+08 3e+08 4e+08 5e+08"},
	}
	for _, tc := range tests {
		var labels []string
		for _, tk := range (niceTicks{n: 5}).Ticks(tc.lo, tc.hi) {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, " "); got != tc.want {
			t.Errorf("ticks(%v, %v) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestDownsampleMinMax(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	y := []float64{5, 9, 1, 5, 5, 0, 7, 5, 5, 3, 8, 5}
	// Two columns: [0, 6) and [6, 11].
	xs, ys := downsampleMinMax(x, y, 2, 0, 11.0001, false)
	want := "0:5 1:9 5:0 6:7 9:3 10:8 11:5" // per column: first, min, max, last
	var got []string
	for i := range xs {
		got = append(got, strings.TrimSpace(strings.Join([]string{ftoa(xs[i]), ftoa(ys[i])}, ":")))
	}
	if g := strings.Join(got, " "); g != want {
		t.Errorf("downsample = %q, want %q", g, want)
	}
	// Short input comes back whole.
	if xs, _ := downsampleMinMax(x, y, 100, 0, 11, false); len(xs) != len(x) {
		t.Errorf("short line reduced to %d points", len(xs))
	}
}

func ftoa(v float64) string { return strings.TrimRight(strings.TrimRight(formatTick(v, 2), "0"), ".") }
