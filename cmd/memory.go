package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
)

// memoryLimitEnv names the container's memory limit in bytes, which the chart and the install
// manifests pass through the downward API (resourceFieldRef limits.memory).
const memoryLimitEnv = "ORGSYNC_MEMORY_LIMIT"

// memoryLimitShare is the part of the container's memory limit the Go runtime aims to stay under
// (its soft limit): the rest is for what the runtime does not count (the binary and its
// mappings) and for the moments the collector cannot keep up: it is held to half the CPU, and a
// listing of a large chart builds its new copy beside the old. At 50,000 Departments on two busy
// cores, 90% let the peak reach the limit (255 MiB of 256); 80% keeps it below.
const memoryLimitShare = 0.8

// setMemoryLimit sets the Go runtime's soft memory limit to memoryLimitShare of the container's
// (from ORGSYNC_MEMORY_LIMIT), so that it collects harder as the cache of a large chart nears the
// limit instead of being killed at it. GOMEMLIMIT, set in the environment, takes precedence; no
// limit, or an unreadable one, leaves the runtime's default. It returns the limit set, 0 for none.
func setMemoryLimit() (int64, error) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return 0, nil
	}
	value, set := os.LookupEnv(memoryLimitEnv)
	if !set || value == "" {
		return 0, nil
	}
	limit, err := strconv.ParseInt(value, 10, 64)
	if err != nil || limit <= 0 {
		return 0, fmt.Errorf("%s=%q: want the container's memory limit in bytes", memoryLimitEnv, value)
	}
	soft := int64(float64(limit) * memoryLimitShare)
	debug.SetMemoryLimit(soft)
	return soft, nil
}
