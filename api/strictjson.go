package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// MaxJSONNumber bounds the magnitude of the numbers of a JSON body: 2^53 - 1,
// beyond which float64 no longer holds every whole number (RFC 7493, I-JSON).
// No quantity petarawan takes comes near, and sums of weights or scores
// over numbers below it cannot overflow.
const MaxJSONNumber = 1<<53 - 1

// MaxJSONString bounds the strings of a JSON body, in characters: far above
// any text petarawan takes (fields with a bound of their own, such as an
// observation's note, are checked against it later).
const MaxJSONString = 10_000

// checkMembers walks a JSON body that decoded into v (decodeStrict) for
// what encoding/json lets through: a member named twice in one object (it
// keeps the last), a member whose name matches a field only when letter case
// is ignored ("AVAILABLE" for available), a string holding a NUL, which
// PostgreSQL does not store, a string longer than MaxJSONString and a number
// beyond MaxJSONNumber. Each is a 422 naming the field.
func checkMembers(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	t := reflect.TypeOf(v).Elem()
	if t.Kind() == reflect.Slice && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		// A batch: problems name the item, as the checks of each item do.
		if _, err := dec.Token(); err != nil {
			return err
		}
		for item := 1; dec.More(); item++ {
			if err := walkMembers(dec, t.Elem(), item, ""); err != nil {
				return err
			}
		}
		return nil
	}
	return walkMembers(dec, t, 0, "")
}

// walkMembers reads the JSON value dec is at, which decodes into a t (nil
// when its fields are not known), reporting the first fault of checkMembers
// as the field at path of the item-th item of a batch (0: not a batch).
func walkMembers(dec *json.Decoder, t reflect.Type, item int, path string) error {
	refuse := func(field, reason string) error {
		return &data.InvalidInput{Problems: []geo.InputProblem{{Item: item, Field: field, Reason: reason}}}
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) ||
		reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]())) {
		t = nil // it reads itself
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case string:
		if reason := textFault(v); reason != "" {
			return refuse(path, reason)
		}
		return nil
	case json.Number:
		// Decoding took it: it is a finite float64.
		if f, _ := v.Float64(); math.Abs(f) > MaxJSONNumber {
			return refuse(path, fmt.Sprintf("%s is out of range: numbers are at most %d in magnitude", v, int64(MaxJSONNumber)))
		}
		return nil
	case json.Delim:
		if v == '[' {
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for dec.More() {
				if err := walkMembers(dec, elem, item, path); err != nil {
					return err
				}
			}
			break
		}
		fields := jsonFieldTypes(t)
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			name := tok.(string)
			field := name
			if path != "" {
				field = path + "." + name
			}
			if seen[name] {
				return refuse(field, "given more than once")
			}
			if reason := textFault(name); reason != "" {
				return refuse(field, "the name "+reason)
			}
			seen[name] = true
			var member reflect.Type
			if t != nil && t.Kind() == reflect.Map {
				member = t.Elem()
			} else if member = fields[name]; member == nil {
				for _, want := range slices.Sorted(maps.Keys(fields)) {
					if strings.EqualFold(want, name) {
						return refuse(field, fmt.Sprintf("unknown field; names are case-sensitive: did you mean %s?", want))
					}
				}
			}
			if err := walkMembers(dec, member, item, field); err != nil {
				return err
			}
		}
	default: // null, true, false
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// textFault says what is wrong with a string of a body: a NUL, or its length.
func textFault(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case strings.ContainsRune(s, 0):
		return "holds a NUL character"
	case n > MaxJSONString:
		return fmt.Sprintf("%d characters long; at most %d", n, MaxJSONString)
	}
	return ""
}

// jsonFieldTypes maps the JSON names of a struct's fields, embedded
// structs' included, to their types (nil when t is not a struct).
func jsonFieldTypes(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for n, ft := range jsonFieldTypes(f.Type) {
				fields[n] = ft
			}
		case !f.IsExported():
		case name == "":
			fields[f.Name] = f.Type
		default:
			fields[name] = f.Type
		}
	}
	return fields
}
