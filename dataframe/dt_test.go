package dataframe

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// truncRef is the reference for Dt().Truncate, written with time.Time
// arithmetic: calendar intervals from January 1970, fixed ones from the
// epoch, weeks from Monday 1969-12-29.
func truncRef(t time.Time, every string) time.Time {
	epoch := time.Unix(0, 0).UTC()
	months := map[string]int{"1y": 12, "year": 12, "2y": 24, "1q": 3, "quarter": 3, "1mo": 1, "month": 1, "3mo": 3, "5mo": 5}
	if m, ok := months[every]; ok {
		k := (t.Year()-1970)*12 + int(t.Month()) - 1
		k -= ((k % m) + m) % m
		return time.Date(1970, time.Month(k+1), 1, 0, 0, 0, 0, time.UTC)
	}
	fixed := map[string]time.Duration{"1w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "2w": 14 * 24 * time.Hour,
		"1d": 24 * time.Hour, "day": 24 * time.Hour, "2d": 48 * time.Hour, "1h": time.Hour, "hour": time.Hour, "1h30m": 90 * time.Minute,
		"15m": 15 * time.Minute, "1m": time.Minute, "minute": time.Minute, "1s": time.Second, "second": time.Second,
		"1500ms": 1500 * time.Millisecond, "1ms": time.Millisecond, "1us": time.Microsecond, "1ns": 1}
	d := fixed[every]
	origin := epoch
	if strings.HasSuffix(every, "w") || every == "week" {
		origin = epoch.AddDate(0, 0, -3)
	}
	q := t.Sub(origin) / d
	if t.Sub(origin)%d < 0 {
		q--
	}
	return origin.Add(q * d)
}

var truncIntervals = []string{"1y", "year", "2y", "1q", "quarter", "1mo", "month", "3mo", "5mo", "1w", "week", "2w",
	"1d", "day", "2d", "1h", "hour", "1h30m", "15m", "1m", "minute", "1s", "second", "1500ms", "1ms", "1us", "1ns"}

func TestDtTruncateTimestamp(t *testing.T) {
	times := []time.Time{
		time.Date(2024, 2, 29, 13, 47, 31, 123456789, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 3, 4, 5, 6, 7, 8, time.UTC),
		time.Date(2100, 12, 31, 23, 0, 1, 500_000_000, time.UTC),
	}
	for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond} {
		dt := &arrow.TimestampType{Unit: unit}
		b := array.NewTimestampBuilder(memory.DefaultAllocator, dt)
		var in []time.Time
		for _, tm := range times {
			v, err := arrow.TimestampFromTime(tm, unit)
			if err != nil {
				t.Fatal(err)
			}
			b.Append(v)
			in = append(in, v.ToTime(unit))
		}
		b.AppendNull()
		arr := b.NewArray()
		b.Release()
		f, err := New(NewSeriesFromArrow("ts", arr))
		arr.Release()
		if err != nil {
			t.Fatal(err)
		}
		for _, every := range truncIntervals {
			t.Run(unit.String()+"/"+every, func(t *testing.T) {
				out, err := f.Lazy().Select(Col("ts").Dt().Truncate(every).Alias("t")).Collect(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				got := out.ColumnAt(0).Arrow()
				if !arrow.TypeEqual(got.DataType(), dt) {
					t.Fatalf("type %s, want %s", got.DataType(), dt)
				}
				ts := got.(*array.Timestamp)
				for i, tm := range in {
					want, _ := arrow.TimestampFromTime(truncRef(tm, every), unit)
					if every == "1500ms" && unit == arrow.Second {
						want, _ = arrow.TimestampFromTime(truncRef(tm, every).Truncate(time.Second), unit)
					}
					if ts.Value(i) != want {
						t.Errorf("%v: got %v, want %v", tm, ts.Value(i).ToTime(unit), want.ToTime(unit))
					}
				}
				if !ts.IsNull(len(in)) {
					t.Error("null row became valid")
				}
			})
		}
	}
}

func TestDtTruncateDate(t *testing.T) {
	days := []time.Time{
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 3, 4, 0, 0, 0, 0, time.UTC),
		time.Date(2023, 11, 5, 0, 0, 0, 0, time.UTC), // a Sunday
	}
	b := array.NewDate32Builder(memory.DefaultAllocator)
	for _, d := range days {
		b.Append(arrow.Date32FromTime(d))
	}
	b.AppendNull()
	arr := b.NewArray()
	b.Release()
	f, err := New(NewSeriesFromArrow("d", arr))
	arr.Release()
	if err != nil {
		t.Fatal(err)
	}
	for _, every := range truncIntervals {
		t.Run(every, func(t *testing.T) {
			out, err := f.Lazy().Select(Col("d").Dt().Truncate(every).Alias("t"), Col("d").Dt().Truncate(every).Dt().Day().Alias("day")).Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := out.ColumnAt(0).Arrow()
			if got.DataType().ID() != arrow.DATE32 {
				t.Fatalf("type %s, want date32", got.DataType())
			}
			d32 := got.(*array.Date32)
			for i, d := range days {
				want := truncRef(d, every)
				if g := d32.Value(i).ToTime(); !g.Equal(want) {
					t.Errorf("%s: got %s, want %s", d.Format("2006-01-02"), g.Format("2006-01-02"), want.Format("2006-01-02"))
				}
				if v, _ := out.Value(i, "day"); v != int64(want.Day()) {
					t.Errorf("%s: day %v, want %d", d.Format("2006-01-02"), v, want.Day())
				}
			}
			if !d32.IsNull(len(days)) {
				t.Error("null row became valid")
			}
		})
	}
}

func TestDtTruncateBadInterval(t *testing.T) {
	f, err := ReadCSVBytes("d.csv", []byte("d\n2024-01-02\n"), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// On dates, intervals must be whole days or divide a day.
	for _, every := range []string{"", "0d", "-1h", "1x", "mo", "1000000y", "0s", "7h", "36h"} {
		_, err := f.Lazy().Select(Col("d").Dt().Truncate(every)).Collect(context.Background())
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%q: got %v, want ErrInvalidArgument", every, err)
		}
	}
}
