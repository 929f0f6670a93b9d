package domain

import (
	"slices"
	"strings"
)

// FieldProblem is one reason an input was refused, tied to the field at fault.
type FieldProblem struct {
	Field   string
	Message string
}

// ValidationError lists every problem found in an input, not just the first.
type ValidationError struct {
	Problems []FieldProblem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Field + ": " + p.Message
	}
	return strings.Join(msgs, "; ")
}

func (e *ValidationError) add(field, msg string) {
	e.Problems = append(e.Problems, FieldProblem{field, msg})
}

// err returns e as an error when it holds any problem, else nil.
func (e *ValidationError) err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Fields names the fields at fault, each once, comma-separated.
func (e *ValidationError) Fields() string {
	var seen []string
	for _, p := range e.Problems {
		if !slices.Contains(seen, p.Field) {
			seen = append(seen, p.Field)
		}
	}
	return strings.Join(seen, ", ")
}

// Invalid returns a ValidationError with one problem.
func Invalid(field, msg string) *ValidationError {
	return &ValidationError{Problems: []FieldProblem{{field, msg}}}
}

// StateError refuses an operation that the object's current status does
// not allow (activating an active user, deleting an active app).
type StateError struct{ Message string }

func (e *StateError) Error() string { return e.Message }
