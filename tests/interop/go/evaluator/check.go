package main

import (
	"fmt"
	"math"
	"reflect"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func check(condition bool, format string, args ...interface{}) error {
	if condition {
		return nil
	}
	return fmt.Errorf(format, args...)
}

func checkClose(actual, expected float64, what string) error {
	return check(math.Abs(actual-expected) <= 1e-12*math.Max(1, math.Abs(expected)), "%s = %v, expected %v", what, actual, expected)
}

func checkEqual(actual, expected interface{}, what string) error {
	return check(reflect.DeepEqual(actual, expected), "%s = %v, expected %v", what, actual, expected)
}

// expectCode checks that a call failed with code.
func expectCode(err error, code codes.Code) error {
	if err == nil {
		return fmt.Errorf("expected %v, but the call succeeded", code)
	}
	return check(status.Code(err) == code, "expected %v, got %v", code, err)
}

// firstError is the first of errs that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
