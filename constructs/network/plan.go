package network

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// Tier is one of the three subnet layers of the architecture.
type Tier string

const (
	// Public holds the load balancer and the NAT gateways; its route table
	// sends 0.0.0.0/0 to the internet gateway.
	Public Tier = "public"
	// App holds the web servers; each AZ's app route table sends 0.0.0.0/0 to
	// the NAT gateway of the same AZ.
	App Tier = "app"
	// Data holds RDS and the EFS mount targets; it has no route off the VPC.
	Data Tier = "data"
)

// Tiers lists the tiers in the order subnets are numbered and synthesized.
var Tiers = []Tier{Public, App, Data}

const (
	// MinZones and MaxZones bound the number of availability zones: two is
	// the least that survives the loss of one, six is the most any region has.
	MinZones = 2
	MaxZones = 6
	// tierStride is how many subnet slots each tier reserves, so that adding
	// an AZ later never renumbers an existing subnet.
	tierStride = 8
	// maxSubnetPrefix is the smallest subnet worth having: /28 is the least
	// AWS allows, and five of its addresses are reserved.
	maxSubnetPrefix = 28
	// slotBits address the three tiers' eight slots each (24 <= 2^5): the
	// subnets are at least this many bits smaller than the VPC.
	slotBits = 5
	// minVPCPrefix is the largest VPC AWS allows; maxVPCPrefix the smallest
	// that still holds every slot at the smallest subnet size.
	minVPCPrefix = 16
	maxVPCPrefix = maxSubnetPrefix - slotBits
)

// SubnetPlan is one subnet's place in the VPC, decided before any construct
// exists so that configuration errors surface before synthesis starts.
type SubnetPlan struct {
	Tier Tier
	// Zone is the availability zone name, e.g. us-east-1a.
	Zone string
	// Key is the tier and the zone letter, e.g. "app-a": the construct ID
	// and the key for CIDR overrides.
	Key string
	// CIDR is the subnet's IPv4 range.
	CIDR string
}

var reRegion = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)

// Partition is the ARN partition of a region: "aws", or "aws-cn" and
// "aws-us-gov" for the China and GovCloud regions.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// CheckRegion reports a string that is not an AWS region name.
func CheckRegion(region string) error {
	if !reRegion.MatchString(region) {
		return fmt.Errorf("got %q, want an AWS region name such as us-east-1", region)
	}
	return nil
}

// CheckZoneCount reports a number of zones the architecture cannot use.
func CheckZoneCount(n int) error {
	if n < MinZones || n > MaxZones {
		return fmt.Errorf("got %d, want %d to %d zones", n, MinZones, MaxZones)
	}
	return nil
}

// CheckZones reports every zone that is not a zone of region, by name, and
// every zone named twice.
func CheckZones(region string, zones []string) []error {
	var errs []error
	seen := map[string]bool{}
	for _, z := range zones {
		letter := strings.TrimPrefix(z, region)
		if !strings.HasPrefix(z, region) || len(letter) != 1 || letter[0] < 'a' || letter[0] > 'z' {
			errs = append(errs, fmt.Errorf("got %q, want a zone of region %s, such as %sa", z, region, region))
		}
		if seen[z] {
			errs = append(errs, fmt.Errorf("got %q, want each zone once", z))
		}
		seen[z] = true
	}
	return errs
}

// ZoneLetter returns the suffix that tells zones of one region apart
// ("us-east-1a" -> "a"); it keys per-AZ resources so that addresses do not
// depend on the order of the configuration.
func ZoneLetter(zone string) string {
	i := strings.LastIndexFunc(zone, func(r rune) bool { return r >= '0' && r <= '9' })
	return zone[i+1:]
}

// PlanSubnets lays out one subnet per tier and zone inside cidr. Each range
// is derived as the n-th block of /prefix where n = tier*8 + zone index,
// unless overrides names it by key. Every problem is returned, each naming
// what is wrong, so that a user fixes a configuration in one pass.
func PlanSubnets(cidr string, zones []string, prefix int, overrides map[string]string) ([]SubnetPlan, []error) {
	var errs []error
	vpc, err := netip.ParsePrefix(cidr)
	if err != nil || !vpc.Addr().Is4() || vpc.Masked() != vpc {
		return nil, []error{fmt.Errorf("vpc_cidr: got %q, want an IPv4 network address in CIDR form such as 10.0.0.0/16", cidr)}
	}
	derive := true
	if vpc.Bits() < minVPCPrefix || vpc.Bits() > maxVPCPrefix {
		errs = append(errs, fmt.Errorf("vpc_cidr: got %q, want a prefix length from /%d to /%d (AWS allows /16 at the largest; three tiers of %d subnets of /%d or larger must fit)", cidr, minVPCPrefix, maxVPCPrefix, tierStride, maxSubnetPrefix))
		derive = false
	} else if min := vpc.Bits() + slotBits; prefix < min || prefix > maxSubnetPrefix {
		errs = append(errs, fmt.Errorf("subnet_prefix_length: got %d, want %d to %d for vpc_cidr %s (three tiers of %d subnets must fit)", prefix, min, maxSubnetPrefix, cidr, tierStride))
		derive = false
	}

	keys := map[string]bool{}
	var plans []SubnetPlan
	for t, tier := range Tiers {
		for z, zone := range zones {
			key := fmt.Sprintf("%s-%s", tier, ZoneLetter(zone))
			keys[key] = true
			p := SubnetPlan{Tier: tier, Zone: zone, Key: key}
			if o, ok := overrides[key]; ok {
				p.CIDR = o
			} else if derive {
				p.CIDR = nthSubnet(vpc, prefix, t*tierStride+z).String()
			}
			plans = append(plans, p)
		}
	}

	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		if !keys[k] {
			errs = append(errs, fmt.Errorf("subnet_cidrs: unknown key %q, want one of %s", k, strings.Join(slices.Sorted(maps.Keys(keys)), ", ")))
		}
	}
	errs = append(errs, checkRanges(vpc, plans)...)
	return plans, errs
}

// checkRanges reports overridden ranges that are malformed, outside the VPC
// or overlapping another subnet.
func checkRanges(vpc netip.Prefix, plans []SubnetPlan) []error {
	var errs []error
	parsed := make([]netip.Prefix, len(plans))
	for i, p := range plans {
		if p.CIDR == "" {
			continue
		}
		s, err := netip.ParsePrefix(p.CIDR)
		switch {
		case err != nil || !s.Addr().Is4() || s.Masked() != s:
			errs = append(errs, fmt.Errorf("subnet_cidrs.%s: got %q, want an IPv4 network address in CIDR form such as 10.0.0.0/24", p.Key, p.CIDR))
			continue
		case s.Bits() > maxSubnetPrefix:
			errs = append(errs, fmt.Errorf("subnet_cidrs.%s: got %q, want a prefix of /%d or larger", p.Key, p.CIDR, maxSubnetPrefix))
		case s.Bits() < vpc.Bits() || !vpc.Contains(s.Addr()):
			errs = append(errs, fmt.Errorf("subnet_cidrs.%s: got %q, want a range inside vpc_cidr %s", p.Key, p.CIDR, vpc))
		}
		parsed[i] = s
		for j := 0; j < i; j++ {
			if parsed[j].IsValid() && parsed[j].Overlaps(s) {
				errs = append(errs, fmt.Errorf("subnet_cidrs.%s: %s overlaps %s (%s), want disjoint subnets", p.Key, s, plans[j].Key, parsed[j]))
			}
		}
	}
	return errs
}

// nthSubnet returns block n of size /prefix inside vpc, as Terraform's
// cidrsubnet(vpc, prefix-vpc.Bits(), n) would.
func nthSubnet(vpc netip.Prefix, prefix, n int) netip.Prefix {
	base := vpc.Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(n) << (32 - prefix)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), prefix)
}
