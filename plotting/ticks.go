package plotting

import (
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
)

// niceTicks labels an axis at 1, 2 or 5 times a power of ten, aiming at
// about n labels, without minor ticks.
type niceTicks struct{ n int }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: formatTick(lo, 0)}}
	}
	step := niceStep((hi - lo) / float64(max(t.n, 2)))
	prec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+step*1e-9; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: formatTick(v, prec)})
	}
	return ticks
}

func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / p; {
	case f <= 1:
		return p
	case f <= 2:
		return 2 * p
	case f <= 5:
		return 5 * p
	default:
		return 10 * p
	}
}

func formatTick(v float64, prec int) string {
	a := math.Abs(v)
	if a != 0 && (a >= 1e7 || a < 1e-4) {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// timeTicks labels a Unix-seconds axis at round times (seconds to years);
// an empty layout is chosen from the span of the axis.
type timeTicks struct{ layout string }

var timeSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour,
}

func (t timeTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	layout := t.layout
	if layout == "" {
		layout = autoLayout(span)
	}
	toTime := func(v float64) time.Time {
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	var ticks []plot.Tick
	label := func(tm time.Time) {
		v := float64(tm.UnixNano()) / 1e9
		if v >= lo-1e-6 && v <= hi+1e-6 {
			ticks = append(ticks, plot.Tick{Value: v, Label: tm.Format(layout)})
		}
	}
	if !(span > 0) || span > 1e11 {
		return []plot.Tick{{Value: lo, Label: toTime(lo).Format(layout)}}
	}
	want := span / 6
	if want <= (14 * 24 * time.Hour).Seconds() {
		step := timeSteps[len(timeSteps)-1]
		for _, s := range timeSteps {
			if s.Seconds() >= want {
				step = s
				break
			}
		}
		if span < 6 {
			// Sub-second steps: nice numbers, labelled as times.
			if t.layout == "" {
				layout = "15:04:05.000"
			}
			ticks := niceTicks{n: 6}.Ticks(lo, hi)
			for i := range ticks {
				ticks[i].Label = toTime(ticks[i].Value).Format(layout)
			}
			return ticks
		}
		start := toTime(lo).Truncate(step)
		if step == 7*24*time.Hour || step == 14*24*time.Hour {
			// Weeks start on Monday.
			d := toTime(lo).Truncate(24 * time.Hour)
			start = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		}
		for tm := start; float64(tm.Unix()) <= hi; tm = tm.Add(step) {
			label(tm)
		}
		return ticks
	}
	months := 1
	for _, m := range []int{1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200} {
		months = m
		if float64(m)*30.44*86400 >= want {
			break
		}
	}
	t0 := toTime(lo)
	start := time.Date(t0.Year(), time.Month(1+((int(t0.Month())-1)/min(months, 12))*min(months, 12)), 1, 0, 0, 0, 0, time.UTC)
	if months >= 12 {
		years := months / 12
		start = time.Date(t0.Year()/years*years, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for tm := start; float64(tm.Unix()) <= hi; tm = tm.AddDate(0, months, 0) {
		label(tm)
	}
	return ticks
}

func autoLayout(span float64) string {
	const day = 86400
	switch {
	case span > 3*365*day:
		return "2006"
	case span > 90*day:
		return "Jan 2006"
	case span > 3*day:
		return "Jan 02"
	case span > day/2:
		return "Jan 02 15:04"
	case span > 120:
		return "15:04"
	default:
		return "15:04:05"
	}
}
