package main

import (
	"strings"
	"testing"
	"time"
)

func TestValidateFlags(t *testing.T) {
	defaults := limits{syncPeriod: 10 * time.Minute, deletionGrace: 10 * time.Second, maxConcurrent: 4, ncpQPS: 10, ncpBurst: 20, ncpTimeout: 30 * time.Second, hwQPS: 10, hwBurst: 20, hwTimeout: 30 * time.Second,
		leaseDuration: 15 * time.Second, renewDeadline: 10 * time.Second, retryPeriod: 2 * time.Second}
	if err := validateFlags(defaults, endpoints{hwAllowedDomains: defaultHuaweiDomains}); err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	cases := map[string]struct {
		change func(*limits)
		flag   string
	}{
		"zero sync period":           {func(l *limits) { l.syncPeriod = 0 }, "--sync-period=0s"},
		"negative burst":             {func(l *limits) { l.ncpBurst = -1 }, "--ncp-burst=-1"},
		"zero burst":                 {func(l *limits) { l.hwBurst = 0 }, "--huaweicloud-burst=0"},
		"zero qps":                   {func(l *limits) { l.ncpQPS = 0 }, "--ncp-qps=0"},
		"lease shorter than renewal": {func(l *limits) { l.leaseDuration = 5 * time.Second }, "--leader-elect-lease-duration=5s"},
		"renewal shorter than retry": {func(l *limits) { l.renewDeadline = time.Second }, "--leader-elect-renew-deadline=1s"},
		"negative Huawei qps":        {func(l *limits) { l.hwQPS = -5 }, "--huaweicloud-qps=-5"},
		"no workers":                 {func(l *limits) { l.maxConcurrent = 0 }, "--max-concurrent-reconciles=0"},
		"negative timeout":           {func(l *limits) { l.ncpTimeout = -time.Second }, "--ncp-request-timeout=-1s"},
		"zero Huawei timeout":        {func(l *limits) { l.hwTimeout = 0 }, "--huaweicloud-request-timeout=0s"},
		"sync period of a milli":     {func(l *limits) { l.syncPeriod = time.Millisecond }, "--sync-period=1ms"},
		"no deletion grace":          {func(l *limits) { l.deletionGrace = 0 }, "--deletion-grace=0s"},
		"a day of deletion grace":    {func(l *limits) { l.deletionGrace = 24 * time.Hour }, "--deletion-grace=24h0m0s"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := defaults
			tc.change(&l)
			err := validateFlags(l, endpoints{})
			if err == nil || !strings.Contains(err.Error(), tc.flag) {
				t.Fatalf("error %v, want one naming %s", err, tc.flag)
			}
		})
	}
	// Every flag out of range is named at once.
	if err := validateFlags(limits{}, endpoints{}); err == nil || strings.Count(err.Error(), "\n")+1 != 12 {
		t.Fatalf("all zero: %v, want twelve flags named", err)
	}
}

func TestValidateEndpointFlags(t *testing.T) {
	valid := limits{syncPeriod: time.Minute, deletionGrace: time.Second, maxConcurrent: 1, ncpQPS: 1, ncpBurst: 1, ncpTimeout: time.Second, hwQPS: 1, hwBurst: 1, hwTimeout: time.Second,
		leaseDuration: 3 * time.Second, renewDeadline: 2 * time.Second, retryPeriod: time.Second}
	fake := map[string]string{"ncp-workplace-endpoint": "http://127.0.0.1:18080"}
	cases := map[string]struct {
		e    endpoints
		want string // "" when valid
	}{
		"defaults":                  {endpoints{hwAllowedDomains: defaultHuaweiDomains}, ""},
		"http to the fake, allowed": {endpoints{allowInsecure: true, urls: fake}, ""},
		"http to the fake, loopback or not, refused without the flag": {endpoints{urls: fake}, "--ncp-workplace-endpoint"},
		"https anywhere":          {endpoints{urls: map[string]string{"huaweicloud-organizations-endpoint": "https://orgs.internal.example"}}, ""},
		"a pattern with a scheme": {endpoints{hwAllowedDomains: "https://evil.example"}, "--huaweicloud-allowed-domains=https://evil.example"},
		"a bare wildcard":         {endpoints{hwAllowedDomains: "*."}, "--huaweicloud-allowed-domains=*."},
		"an IP address":           {endpoints{hwAllowedDomains: "127.0.0.1,::1"}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validateFlags(valid, tc.e)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}
