package onnx

import (
	"fmt"
	"sort"
	"strings"
)

// Names and shapes in messages, written as the Python importer writes them.

// list is names as Python prints a list of them, sorted when asked.
func list(names []string, sorted bool) string {
	if sorted {
		names = append([]string{}, names...)
		sort.Strings(names)
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func dims(declared []*int64) string {
	parts := make([]string, len(declared))
	for i, d := range declared {
		parts[i] = "?"
		if d != nil {
			parts[i] = fmt.Sprint(*d)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func formatInts(values []int64) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
