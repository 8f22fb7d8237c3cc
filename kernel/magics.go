package kernel

import "context"

// magic runs a %magic or !shell cell; ok is false for ordinary Go.
func (ev *evaluator) magic(ctx context.Context, code string) (executeResult, bool, error) {
	return executeResult{}, false, nil
}
