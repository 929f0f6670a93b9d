package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
)

// Form is a form's values and its problems, for templates: Get, Has and Err
// fill the fields back in and put each error next to its field.
type Form struct {
	Values url.Values
	Errors map[string]string
	// General is a problem that belongs to no field on the form.
	General string
}

// Option is one choice of a select, checkbox group or radio group.
type Option struct {
	Value, Label string
}

// newForm starts a form from the request's posted values.
func newForm(r *http.Request) *Form {
	return &Form{Values: r.PostForm, Errors: map[string]string{}}
}

// formOf starts a form from values (an edit page filled from the object).
func formOf(values url.Values) *Form {
	return &Form{Values: values, Errors: map[string]string{}}
}

// Get is the field's value, trimmed.
func (f *Form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// List is a multi-line or multi-valued field's non-empty values.
func (f *Form) List(name string) []string {
	var out []string
	for _, v := range f.Values[name] {
		for _, line := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// Has reports whether a checkbox, radio or option value is chosen.
func (f *Form) Has(name, value string) bool { return slices.Contains(f.Values[name], value) }

// Checked reports whether a single checkbox is ticked.
func (f *Form) Checked(name string) bool { return f.Values.Get(name) != "" }

// Err is the field's problem, if any.
func (f *Form) Err(name string) string { return f.Errors[name] }

// Failed reports whether any problem was found.
func (f *Form) Failed() bool { return len(f.Errors) > 0 || f.General != "" }

// Fail records a problem with one field.
func (f *Form) Fail(field, msg string) {
	if f.Errors[field] == "" {
		f.Errors[field] = msg
	}
}

// Absorb takes the problems of a domain.ValidationError: fields maps each
// domain field name the form shows to its form field, where the problem is
// shown; a problem with a field the form does not show becomes the form's
// general problem. It reports false for an error that is no
// ValidationError, which the caller must handle.
func (f *Form) Absorb(err error, fields map[string]string) bool {
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		return false
	}
	for _, p := range v.Problems {
		if name, ok := fields[p.Field]; ok {
			f.Fail(name, p.Message)
		} else if f.General == "" {
			f.General = p.Field + ": " + p.Message
		}
	}
	return true
}
