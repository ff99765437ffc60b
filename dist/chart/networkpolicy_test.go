package chart

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The chart ships a NetworkPolicy by default: the manager Pods take metrics scrapes only from the
// namespaces the admin names (none until then), and reach out only to DNS, the API server's ports
// and the remote APIs' port. Disabled, nothing is rendered.
func TestNetworkPolicyIsOnByDefault(t *testing.T) {
	manifests := render(t, nil)
	policy := one[networkingv1.NetworkPolicy](t, manifests, "NetworkPolicy")
	deployment := one[appsv1.Deployment](t, manifests, "Deployment")
	if diff := cmp.Diff(deployment.Spec.Selector.MatchLabels, policy.Spec.PodSelector.MatchLabels); diff != "" {
		t.Errorf("the policy selects other Pods than the manager's (-deployment +policy):\n%s", diff)
	}
	if policy.Namespace != releaseNamespace || !slices.Equal(policy.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
		t.Errorf("namespace %q, policy types %v; want %s, Ingress and Egress", policy.Namespace, policy.Spec.PolicyTypes, releaseNamespace)
	}
	if len(policy.Spec.Ingress) != 0 {
		t.Errorf("ingress %+v, want none until metricsNamespaces names some", policy.Spec.Ingress)
	}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := func(p int, protocol corev1.Protocol) networkingv1.NetworkPolicyPort {
		n := intstr.FromInt32(int32(p))
		return networkingv1.NetworkPolicyPort{Port: &n, Protocol: &protocol}
	}
	want := []networkingv1.NetworkPolicyEgressRule{
		{Ports: []networkingv1.NetworkPolicyPort{port(53, udp), port(53, tcp)}},
		{Ports: []networkingv1.NetworkPolicyPort{port(443, tcp), port(6443, tcp)}},
		{Ports: []networkingv1.NetworkPolicyPort{port(443, tcp)}, To: []networkingv1.NetworkPolicyPeer{
			{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}, {IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}},
		}},
	}
	if diff := cmp.Diff(want, policy.Spec.Egress); diff != "" {
		t.Errorf("egress (-want +got):\n%s", diff)
	}

	if slices.Contains(kinds(render(t, map[string]any{"networkPolicy": map[string]any{"enabled": false}})), "NetworkPolicy") {
		t.Error("networkPolicy.enabled false still renders a NetworkPolicy")
	}
}

// The namespaces the admin names may reach the metrics port, and the egress ranges narrow to
// what the admin gives.
func TestNetworkPolicyTakesTheAdminsNamespacesAndRanges(t *testing.T) {
	manifests := renderYAML(t, `
networkPolicy:
  metricsNamespaces: [monitoring, observability]
  egress:
    dns: false
    apiServer: {ports: [6443], cidrs: [192.0.2.10/32]}
    remote:
      ipBlocks:
      - {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.0.0/16]}
    extra:
    - ports: [{port: 18080, protocol: TCP}]
`)
	policy := one[networkingv1.NetworkPolicy](t, manifests, "NetworkPolicy")
	if len(policy.Spec.Ingress) != 1 {
		t.Fatalf("ingress %+v, want one rule", policy.Spec.Ingress)
	}
	rule := policy.Spec.Ingress[0]
	var namespaces []string
	for _, from := range rule.From {
		if from.PodSelector != nil || from.IPBlock != nil || from.NamespaceSelector == nil {
			t.Errorf("peer %+v, want a namespace selector only", from)
			continue
		}
		namespaces = append(namespaces, from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"])
	}
	if !slices.Equal(namespaces, []string{"monitoring", "observability"}) {
		t.Errorf("metrics allowed from namespaces %v, want monitoring and observability", namespaces)
	}
	if len(rule.Ports) != 1 || rule.Ports[0].Port.String() != "metrics" {
		t.Errorf("metrics ports %+v, want the container port named metrics", rule.Ports)
	}
	egress := policy.Spec.Egress
	if len(egress) != 3 {
		t.Fatalf("egress %+v, want the API server, the remote APIs and the extra rule", egress)
	}
	if got := egress[0].To; len(got) != 1 || got[0].IPBlock.CIDR != "192.0.2.10/32" || egress[0].Ports[0].Port.IntValue() != 6443 {
		t.Errorf("API server rule %+v", egress[0])
	}
	if got := egress[1].To; len(got) != 1 || !slices.Equal(got[0].IPBlock.Except, []string{"10.0.0.0/8", "192.168.0.0/16"}) {
		t.Errorf("remote rule %+v", egress[1])
	}
	if egress[2].Ports[0].Port.IntValue() != 18080 {
		t.Errorf("extra rule %+v", egress[2])
	}

	// Without a metrics endpoint nothing may come in, whatever namespaces are named.
	policy = one[networkingv1.NetworkPolicy](t, renderYAML(t, "metrics: {enabled: false}\nnetworkPolicy: {metricsNamespaces: [monitoring]}"), "NetworkPolicy")
	if len(policy.Spec.Ingress) != 0 {
		t.Errorf("metrics disabled: ingress %+v, want none", policy.Spec.Ingress)
	}
}
