package store

// RewritePlaceholders exposes the placeholder rewriter to tests.
var RewritePlaceholders = rewritePlaceholders
