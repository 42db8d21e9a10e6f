package store

// RewritePlaceholders exposes the placeholder rewriter to tests.
var RewritePlaceholders = rewritePlaceholders

// SetParallelCountFrom changes the size of base from which SQLite counts
// segments in parallel ranges, for a test; it returns the old value.
func SetParallelCountFrom(n int64) int64 {
	old := parallelCountFrom
	parallelCountFrom = n
	return old
}
