package protocol

import (
	"slices"
	"testing"
)

// TestRequestRules checks the table Request.Validate reads: a rule for
// every op and no other, and only fields it knows, each named once.
func TestRequestRules(t *testing.T) {
	for _, op := range Ops {
		if _, ok := requestRules[op]; !ok {
			t.Errorf("op %q has no rule", op)
		}
	}
	for op, rule := range requestRules {
		if !slices.Contains(Ops, op) {
			t.Errorf("rule for %q, which is not in Ops", op)
		}
		names := slices.Concat(rule.needs, rule.allows)
		for _, name := range names {
			if requestFieldsByName[name] == nil {
				t.Errorf("%s: unknown field %q", op, name)
			}
		}
		for _, name := range rule.oneOf {
			if rule.oneOf[0] != "" && !slices.Contains(rule.allows, name) {
				t.Errorf("%s: one of %q, which it does not allow", op, name)
			}
		}
		slices.Sort(names)
		if len(slices.Compact(names)) != len(rule.needs)+len(rule.allows) {
			t.Errorf("%s: a field named twice in %v and %v", op, rule.needs, rule.allows)
		}
	}
	if len(requestFieldsByName) != len(requestFields) {
		t.Errorf("%d fields but %d names", len(requestFields), len(requestFieldsByName))
	}
}
