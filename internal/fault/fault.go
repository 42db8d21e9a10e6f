// Package fault defines the error codes that every SCRMS domain returns, so that
// the web UI and the JSON API can each map them to a status in one place.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error by what the caller can do about it.
type Code string

// The codes a domain error can carry.
const (
	Internal        Code = "internal"
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	TooManyRequests Code = "too_many_requests"
)

// FieldError names one bad input field and what is wrong with it.
type FieldError struct {
	Field   string
	Message string
}

// Error is a domain error with a code, a message safe to show to a user, and
// optionally the fields that caused it and the underlying cause (never shown).
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the code and a user-facing message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a code and user-facing message to an underlying error.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Fields collects field errors during validation.
type Fields []FieldError

// Add records a problem with one field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns an Invalid error listing the fields, or nil when there are none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "Some fields are not valid.", Fields: f}
}

// Field returns an Invalid error about one field.
func Field(field, format string, args ...any) error {
	var f Fields
	f.Add(field, format, args...)
	return f.Err()
}
