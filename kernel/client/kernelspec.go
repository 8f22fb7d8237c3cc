package client

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// ConfigFromKernelspec returns a Config that starts the kernel described
// by a kernelspec file (kernel.json): its argv and its env.
func ConfigFromKernelspec(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("client: kernelspec: %w", err)
	}
	var spec struct {
		Argv []string          `json:"argv"`
		Env  map[string]string `json:"env"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return Config{}, fmt.Errorf("client: kernelspec %s: %w", path, err)
	}
	if len(spec.Argv) == 0 {
		return Config{}, fmt.Errorf("client: kernelspec %s has no argv", path)
	}
	cfg := Config{Argv: spec.Argv}
	for k, v := range spec.Env {
		cfg.Env = append(cfg.Env, k+"="+v)
	}
	sort.Strings(cfg.Env)
	return cfg, nil
}
