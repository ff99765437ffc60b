package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	t.Setenv(memoryLimitEnv, "268435456") // 256Mi, the chart's default limit
	soft, err := setMemoryLimit()
	if err != nil || soft != 214748364 {
		t.Fatalf("soft limit %d, %v; want 80%% of 256Mi", soft, err)
	}
	if got := debug.SetMemoryLimit(-1); got != soft {
		t.Fatalf("the runtime's limit is %d, want %d", got, soft)
	}

	t.Setenv("GOMEMLIMIT", "100MiB")
	if soft, err := setMemoryLimit(); soft != 0 || err != nil {
		t.Fatalf("with GOMEMLIMIT set: %d, %v; want it left to GOMEMLIMIT", soft, err)
	}
}

func TestSetMemoryLimitRefusesGarbage(t *testing.T) {
	t.Setenv(memoryLimitEnv, "256Mi")
	if _, err := setMemoryLimit(); err == nil {
		t.Fatal("a limit that is no byte count was taken")
	}
}
