package gen

import (
	"fmt"
	"os"
	"path/filepath"
)

// Format selects the file formats WriteFiles produces.
type Format struct {
	CSV, Parquet bool
}

// WriteFiles writes t into dir as <name>.csv and/or <name>.parquet. Each
// file is written under a temporary name and renamed when complete, so a
// file with the final name is always whole.
func WriteFiles(dir string, t *Table, f Format) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	write := func(ext string, fn func(*os.File) error) error {
		final := filepath.Join(dir, t.Name+ext)
		tmp, err := os.CreateTemp(dir, t.Name+ext+".tmp*")
		if err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		if err := fn(tmp); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return err
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("gen: %w", err)
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		return os.Rename(tmp.Name(), final)
	}
	if f.CSV {
		if err := write(".csv", func(w *os.File) error { return WriteCSV(w, t) }); err != nil {
			return err
		}
	}
	if f.Parquet {
		if err := write(".parquet", func(w *os.File) error { return WriteParquet(w, t) }); err != nil {
			return err
		}
	}
	return nil
}

// Exists reports whether every requested file of the table named name is
// present in dir.
func Exists(dir, name string, f Format) bool {
	ok := func(ext string) bool {
		_, err := os.Stat(filepath.Join(dir, name+ext))
		return err == nil
	}
	return (!f.CSV || ok(".csv")) && (!f.Parquet || ok(".parquet"))
}
