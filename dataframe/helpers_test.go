package dataframe

import "github.com/golab-dev/golab/dataframe/plan"

func planReq(cols []string, filters ...Expr) plan.ScanRequest {
	return plan.ScanRequest{Columns: cols, Filters: unwrap(filters)}
}
