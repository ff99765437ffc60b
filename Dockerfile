# syntax=docker/dockerfile:1
# The orgsync manager image: `docker build -t orgsync:latest .`
# Multi-platform: `docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/orgsync:<tag> .`

FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /workspace

# Modules first, so that a source change reuses the downloaded dependencies.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/

# The build line is `make build`'s for the manager, character for character; the platform comes
# from the environment.
ENV GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH}
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -o bin/manager ./cmd

# Static binary on distroless: no shell, no package manager, runs as the nonroot user.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/bin/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
