// Package argocd ships the Argo CD health check for orgsync's kinds (health.lua) and runs it the
// way Argo CD does, so that tests, here and in the controllers' envtest suite, can check what
// Argo CD will show for an object the operator produced.
package argocd

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
)

//go:generate go run ./internal/generate

// Script is the Lua health check, the text to put under
// resource.customizations.health.orgsync.dev_<Kind> in argocd-cm.
//
//go:embed health.lua
var Script string

// Health statuses a health check may return; Argo CD turns any other value into Unknown.
const (
	StatusHealthy     = "Healthy"
	StatusProgressing = "Progressing"
	StatusDegraded    = "Degraded"
	StatusSuspended   = "Suspended"
	StatusMissing     = "Missing"
	StatusUnknown     = "Unknown"
)

// invalidHealthStatus is Argo CD's message for a script that returns an unknown status.
const invalidHealthStatus = "Lua returned an invalid health status"

// timeout is how long Argo CD lets a health script run.
const timeout = time.Second

// Health runs Script against obj, an object as unstructured JSON (for instance from
// runtime.DefaultUnstructuredConverter.ToUnstructured), in the environment Argo CD gives a custom
// health check from argocd-cm: gopher-lua with only the package, base and table libraries, obj as a
// global holding the object as Lua tables, and a one-second limit. It returns the health status and
// message Argo CD would show.
func Health(obj map[string]any) (status, message string, err error) {
	return run(Script, obj)
}

func run(script string, obj map[string]any) (status, message string, err error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return "", "", fmt.Errorf("opening the Lua %s library: %w", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	l.SetContext(ctx)

	value, err := toLua(l, obj)
	if err != nil {
		return "", "", err
	}
	l.SetGlobal("obj", value)
	if err := l.DoString(script); err != nil {
		return "", "", fmt.Errorf("running the health script: %w", err)
	}

	result, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	status = luaString(result.RawGetString("status"))
	message = luaString(result.RawGetString("message"))
	switch status {
	case StatusHealthy, StatusProgressing, StatusDegraded, StatusSuspended, StatusMissing, StatusUnknown:
		return status, message, nil
	}
	return StatusUnknown, invalidHealthStatus, nil
}

// toLua converts a JSON-like value to Lua as Argo CD does: objects and arrays become tables
// (arrays 1-based), numbers become Lua numbers, json.Number a string, null nil. Values of other
// types are an error here, where Argo CD would silently turn them into nil.
func toLua(l *lua.LState, value any) (lua.LValue, error) {
	switch v := value.(type) {
	case nil:
		return lua.LNil, nil
	case bool:
		return lua.LBool(v), nil
	case string:
		return lua.LString(v), nil
	case json.Number:
		return lua.LString(v), nil
	case float64:
		return lua.LNumber(v), nil
	case int:
		return lua.LNumber(v), nil
	case int32:
		return lua.LNumber(v), nil
	case int64:
		return lua.LNumber(v), nil
	case []any:
		table := l.CreateTable(len(v), 0)
		for _, item := range v {
			lv, err := toLua(l, item)
			if err != nil {
				return nil, err
			}
			table.Append(lv)
		}
		return table, nil
	case map[string]any:
		table := l.CreateTable(0, len(v))
		for key, item := range v {
			lv, err := toLua(l, item)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			table.RawSetH(lua.LString(key), lv)
		}
		return table, nil
	}
	return nil, fmt.Errorf("%w: %T", errUnsupportedValue, value)
}

var errUnsupportedValue = errors.New("value is not JSON-like")

func luaString(v lua.LValue) string {
	if v == lua.LNil {
		return ""
	}
	return v.String()
}
