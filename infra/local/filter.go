package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// eventFilter is the FilterCriteria of an event source mapping: a record
// passes when any pattern matches it, as Lambda decides before invoking.
// Patterns use the EventBridge syntax; this covers exact values, prefix,
// suffix, equals-ignore-case, anything-but and exists, which is what event
// filters on stream records use (DynamoDB numbers are strings there, so
// numeric matching is left out and refused).
type eventFilter []map[string]any

// newEventFilter parses the patterns; no pattern lets everything through.
func newEventFilter(patterns []string) (eventFilter, error) {
	var f eventFilter
	for _, p := range patterns {
		m, err := parsePattern(p)
		if err != nil {
			return nil, err
		}
		f = append(f, m)
	}
	return f, nil
}

// parsePattern parses and checks one pattern.
func parsePattern(p string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(p), &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if err := checkPattern(m); err != nil {
		return nil, err
	}
	return m, nil
}

func checkPattern(m map[string]any) error {
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			if err := checkPattern(v); err != nil {
				return err
			}
		case []any:
			for _, alt := range v {
				op, ok := alt.(map[string]any)
				if !ok {
					continue
				}
				for name := range op {
					switch name {
					case "prefix", "suffix", "equals-ignore-case", "anything-but", "exists":
					default:
						return fmt.Errorf("%s: operator %q is not supported by the local run", k, name)
					}
				}
			}
		default:
			return fmt.Errorf("%s: a pattern's leaves must be arrays", k)
		}
	}
	return nil
}

// Match reports whether the record (any JSON-encodable value, e.g. an
// events.DynamoDBEventRecord) passes the filter.
func (f eventFilter) Match(record any) (bool, error) {
	if len(f) == 0 {
		return true, nil
	}
	raw, err := json.Marshal(record)
	if err != nil {
		return false, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, err
	}
	for _, p := range f {
		if matchObject(p, v) {
			return true, nil
		}
	}
	return false, nil
}

func matchObject(pattern map[string]any, v any) bool {
	obj, _ := v.(map[string]any)
	for k, p := range pattern {
		val, present := obj[k]
		switch p := p.(type) {
		case map[string]any:
			if !present || !matchObject(p, val) {
				return false
			}
		case []any:
			if !matchLeaf(p, val, present) {
				return false
			}
		}
	}
	return true
}

// matchLeaf: any alternative matches the value (or, for an array value, one
// of its elements).
func matchLeaf(alts []any, v any, present bool) bool {
	for _, alt := range alts {
		if matchOne(alt, v, present) {
			return true
		}
	}
	return false
}

func matchOne(alt, v any, present bool) bool {
	op, isOp := alt.(map[string]any)
	if isOp {
		if want, ok := op["exists"].(bool); ok {
			return present == want
		}
	}
	if !present {
		return false
	}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if matchOne(alt, e, true) {
				return true
			}
		}
		return false
	}
	if !isOp {
		return alt == v
	}
	s, isString := v.(string)
	for name, arg := range op {
		switch name {
		case "prefix":
			a, _ := arg.(string)
			return isString && strings.HasPrefix(s, a)
		case "suffix":
			a, _ := arg.(string)
			return isString && strings.HasSuffix(s, a)
		case "equals-ignore-case":
			a, _ := arg.(string)
			return isString && strings.EqualFold(s, a)
		case "anything-but":
			if list, ok := arg.([]any); ok {
				for _, x := range list {
					if x == v {
						return false
					}
				}
				return true
			}
			return arg != v
		}
	}
	return false
}
