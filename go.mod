module github.com/wordpress-cdktf/resilient-wordpress

go 1.26.8

require (
	github.com/aws/constructs-go/constructs/v10 v10.4.2
	github.com/aws/jsii-runtime-go v1.119.0
	github.com/bmatcuk/doublestar/v4 v4.10.0
	github.com/cdktf/cdktf-provider-aws-go/aws/v19 v19.50.0
	github.com/google/go-cmp v0.7.0
	github.com/hashicorp/terraform-cdk-go/cdktf v0.20.11
	go.yaml.in/yaml/v3 v3.0.4
	mvdan.cc/sh/v3 v3.12.0
)

require (
	github.com/Masterminds/semver/v3 v3.4.0 // indirect
	github.com/fatih/color v1.18.0 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/yuin/goldmark v1.4.13 // indirect
	golang.org/x/lint v0.0.0-20210508222113-6edffad5e616 // indirect
	golang.org/x/mod v0.27.0 // indirect
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/sys v0.35.0 // indirect
	golang.org/x/tools v0.36.0 // indirect
)
