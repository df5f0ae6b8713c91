package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// engineLog writes to the engine's log as ephemeral messages of one stream, as the engine shows progress.
type engineLog struct {
	ctx      context.Context
	engine   pulumirpc.EngineClient
	stream   int32
	severity pulumirpc.LogSeverity
}

func (w *engineLog) Write(p []byte) (int, error) {
	_, err := w.engine.Log(w.ctx, &pulumirpc.LogRequest{
		Message:   strings.ToValidUTF8(string(p), "\uFFFD"),
		Ephemeral: true,
		StreamId:  w.stream,
		Severity:  w.severity,
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// engineWriters are an info and an error writer to the engine's log, and the connection to close after.
func (h *host) engineWriters(ctx context.Context) (io.Writer, io.Writer, io.Closer, error) {
	conn, err := grpc.NewClient(h.engine, grpc.WithTransportCredentials(insecure.NewCredentials()),
		rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot connect to the engine at %s: %w", h.engine, err)
	}
	client, stream := pulumirpc.NewEngineClient(conn), rand.Int31() //nolint:gosec // a stream id, not a secret
	info := &engineLog{ctx: ctx, engine: client, stream: stream, severity: pulumirpc.LogSeverity_INFO}
	errs := &engineLog{ctx: ctx, engine: client, stream: stream, severity: pulumirpc.LogSeverity_ERROR}
	return info, errs, conn, nil
}
