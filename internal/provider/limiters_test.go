package provider

import "testing"

func TestLimitersShareOnePerOrganizationAndService(t *testing.T) {
	l := &Limiters{QPS: 5, Burst: 2}
	a := l.For("org-a", "workplace")
	if l.For("org-a", "workplace") != a {
		t.Fatal("the same Organization and service got two limiters")
	}
	if l.For("org-a", "organization") == a || l.For("org-b", "workplace") == a {
		t.Fatal("another service or Organization shares the limiter")
	}
	if a.Burst() != 2 || a.Limit() != 5 {
		t.Fatalf("limiter is %v/%d, want 5/2", a.Limit(), a.Burst())
	}
	l.Forget("org-a")
	if l.For("org-a", "workplace") == a {
		t.Fatal("Forget kept the limiter")
	}
}
