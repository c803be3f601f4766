package graphgrpc

import (
	"context"
	"fmt"
	"io"
	"sort"

	pb "graphgrpc/v1"
)

// DefaultChunkSize is how many points EvaluateBatch sends per message without the ChunkSize option.
const DefaultChunkSize = 4096

// BatchResult is one graph evaluated at many points.
type BatchResult struct {
	Points int
	// Outputs are the output values, shaped [Points, ...the node's shape], point after point.
	Outputs map[string]Tensor
	// Gradients are the per-point gradients, shaped like Outputs: of the batch inputs, of nodes
	// that depend on them, and of every wrt node with SharedGradientsPerPoint.
	Gradients map[string]Tensor
	// SummedGradients are, with SharedGradientsSum, the gradients of the nodes shared by all
	// points, each summed over every point and shaped like its node.
	SummedGradients map[string]Tensor
	// Tangents are, with the TangentColumns option, the outputs' tangents, shaped like Outputs.
	Tangents map[string]Tensor
	// PlanHash names the compiled plan the server holds, and PlanCacheHit says it was there already.
	PlanHash     string
	PlanCacheHit bool
}

// EvaluateBatch evaluates a graph at many points over one stream. inputs holds, for each input
// leaf that varies, its values at every point one after another: a leaf of shape [3] at N points
// takes 3N values. The other leaves keep the values in the graph. The points go in chunks of
// ChunkSize as raw little-endian bytes; the results come back in the same order.
// An invalid graph or column fails with a *GraphError.
func (c *Client) EvaluateBatch(ctx context.Context, graph Source, inputs map[string][]float64, opts ...Option) (*BatchResult, error) {
	o, err := collect("EvaluateBatch", opts, "ChunkSize", "SharedGradients", "TangentColumns", "ForwardOnly")
	if err != nil {
		return nil, err
	}
	chunkSize := o.chunkSize
	if chunkSize == 0 {
		chunkSize = DefaultChunkSize
	}
	if chunkSize < 0 {
		return nil, fmt.Errorf("graphgrpc: ChunkSize(%d): a chunk needs at least one point", chunkSize)
	}
	graphProto := graph.Proto()
	columns, points, err := batchColumns(graphProto, inputs)
	if err != nil {
		return nil, err
	}
	tangents, err := tangentColumns(columns, o.tangentColumns)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(columns))
	for _, column := range columns {
		names = append(names, column.id)
	}
	tangentNames := make([]string, 0, len(tangents))
	for _, column := range tangents {
		tangentNames = append(tangentNames, column.id)
	}
	start := &pb.BatchStart{
		Plan: &pb.BatchStart_Graph{Graph: graphProto}, BatchInputs: names, Outputs: o.outputs, Wrt: o.wrt,
		SharedGradients: o.sharedGradients, RawTensors: true, TangentInputs: tangentNames, ForwardOnly: o.forwardOnly,
	}

	// The server reads a chunk only after it has sent the previous result, so chunks go out from
	// their own goroutine while this one reads results; cancelling ctx stops both.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.stub.EvaluateBatch(ctx)
	if err != nil {
		return nil, decodeError(err)
	}
	sent := make(chan error, 1)
	go func() { sent <- sendChunks(stream, start, columns, tangents, points, chunkSize) }()

	result, err := receiveResults(stream, points, chunkSize)
	cancel()
	if sendErr := <-sent; err == nil && sendErr != nil {
		err = fmt.Errorf("graphgrpc: sending the batch: %w", sendErr)
	}
	if err != nil {
		return nil, err
	}
	return result, nil
}

// column is one batch input: its values at every point, and the shape of one point.
type column struct {
	id         string
	data       []float64
	pointShape []int64
}

// batchColumns takes each column's point shape from its leaf in the graph and checks that every
// column holds the same number of points.
func batchColumns(graph *pb.Graph, inputs map[string][]float64) ([]column, int, error) {
	shapes := map[string][]int64{}
	for _, node := range graph.Nodes {
		if input := node.GetInput(); input != nil && input.Value != nil {
			shapes[node.Id] = input.Value.Shape
		}
	}
	columns := make([]column, 0, len(inputs))
	for id, data := range inputs {
		// A column with no such leaf goes as scalars; the server refuses it, naming the node.
		columns = append(columns, column{id: id, data: data, pointShape: shapes[id]})
	}
	sort.Slice(columns, func(i, j int) bool { return columns[i].id < columns[j].id })
	points := -1
	for _, c := range columns {
		size := int(elementCount(c.pointShape))
		if size == 0 || len(c.data)%size != 0 {
			return nil, 0, fmt.Errorf("graphgrpc: batch input %q has %d values, not a whole number of points of shape %v", c.id, len(c.data), c.pointShape)
		}
		n := len(c.data) / size
		if points >= 0 && n != points {
			return nil, 0, fmt.Errorf("graphgrpc: batch input %q has %d points but %q has %d", c.id, n, columns[0].id, points)
		}
		points = n
	}
	if points < 0 {
		return nil, 0, fmt.Errorf("graphgrpc: EvaluateBatch needs at least one batch input")
	}
	return columns, points, nil
}

func sendChunks(stream pb.GraphEvaluator_EvaluateBatchClient, start *pb.BatchStart, columns, tangents []column, points, chunkSize int) error {
	if err := stream.Send(&pb.EvaluateBatchRequest{Message: &pb.EvaluateBatchRequest_Start{Start: start}}); err != nil {
		return err
	}
	for first, sequence := 0, int64(0); first < points; first, sequence = first+chunkSize, sequence+1 {
		k := chunkSize
		if points-first < k {
			k = points - first
		}
		chunk := &pb.BatchChunk{Sequence: sequence, Columns: chunkColumns(columns, first, k)}
		if len(tangents) > 0 {
			chunk.Tangents = chunkColumns(tangents, first, k)
		}
		if err := stream.Send(&pb.EvaluateBatchRequest{Message: &pb.EvaluateBatchRequest_Chunk{Chunk: chunk}}); err != nil {
			return err
		}
	}
	return stream.CloseSend()
}

// chunkColumns are the k points from first on of each column, as raw tensors [k, ...point shape].
func chunkColumns(columns []column, first, k int) map[string]*pb.Tensor {
	tensors := make(map[string]*pb.Tensor, len(columns))
	for _, c := range columns {
		size := int(elementCount(c.pointShape))
		tensors[c.id] = &pb.Tensor{
			Shape: append([]int64{int64(k)}, c.pointShape...),
			Raw:   encodeRaw(c.data[first*size : (first+k)*size]),
		}
	}
	return tensors
}

// receiveResults reads BatchReady, a result per chunk in order, and the summary, and joins the
// chunks' columns.
func receiveResults(stream pb.GraphEvaluator_EvaluateBatchClient, points, chunkSize int) (*BatchResult, error) {
	result := &BatchResult{Outputs: map[string]Tensor{}, Gradients: map[string]Tensor{}, SummedGradients: map[string]Tensor{}, Tangents: map[string]Tensor{}}
	var outputs, gradients, tangents []map[string]*pb.Tensor
	for {
		message, err := stream.Recv()
		if err == io.EOF {
			return nil, fmt.Errorf("graphgrpc: the batch stream ended without a summary")
		}
		if err != nil {
			return nil, decodeError(err)
		}
		switch m := message.Message.(type) {
		case *pb.EvaluateBatchResponse_Ready:
			result.PlanHash, result.PlanCacheHit = m.Ready.PlanHash, m.Ready.PlanCacheHit
		case *pb.EvaluateBatchResponse_Result:
			if m.Result.Sequence != int64(len(outputs)) {
				return nil, fmt.Errorf("graphgrpc: the server sent the result of chunk %d where chunk %d's was due", m.Result.Sequence, len(outputs))
			}
			outputs, gradients = append(outputs, m.Result.Outputs), append(gradients, m.Result.Gradients)
			tangents = append(tangents, m.Result.OutputTangents)
		case *pb.EvaluateBatchResponse_Summary:
			chunks := (points + chunkSize - 1) / chunkSize
			if int(m.Summary.Points) != points || len(outputs) != chunks {
				return nil, fmt.Errorf("graphgrpc: %d points went in %d chunks but the server's summary counts %d points and %d results came",
					points, chunks, m.Summary.Points, len(outputs))
			}
			result.Points = points
			for id, sum := range m.Summary.SummedGradients {
				if result.SummedGradients[id], err = tensorFromProto(sum); err != nil {
					return nil, fmt.Errorf("the summed gradient of node %q: %w", id, err)
				}
			}
			if err := joinColumns(result.Outputs, outputs, points, chunkSize, nil); err != nil {
				return nil, err
			}
			if err := joinColumns(result.Tangents, tangents, points, chunkSize, nil); err != nil {
				return nil, err
			}
			// Each chunk's result also carries its part of a summed gradient; the summary has the total.
			if err := joinColumns(result.Gradients, gradients, points, chunkSize, result.SummedGradients); err != nil {
				return nil, err
			}
			return result, nil
		default:
			return nil, fmt.Errorf("graphgrpc: the server sent a batch response of an unknown kind: %v", message)
		}
	}
}

// joinColumns puts each node's per-chunk columns ([k, ...shape] each) end to end, skipping the
// nodes in skip.
func joinColumns(into map[string]Tensor, chunks []map[string]*pb.Tensor, points, chunkSize int, skip map[string]Tensor) error {
	for c, chunk := range chunks {
		k := chunkSize
		if rest := points - c*chunkSize; rest < k {
			k = rest
		}
		for id, column := range chunk {
			if _, ok := skip[id]; ok {
				continue
			}
			tensor, err := tensorFromProto(column)
			if err != nil {
				return fmt.Errorf("the column of node %q: %w", id, err)
			}
			if len(tensor.Shape) == 0 || tensor.Shape[0] != int64(k) {
				return fmt.Errorf("graphgrpc: the server sent node %q's column shaped %v for chunk %d of %d points", id, tensor.Shape, c, k)
			}
			joined, ok := into[id]
			if !ok {
				joined = Tensor{Shape: append([]int64{0}, tensor.Shape[1:]...), Data: make([]float64, 0, points*len(tensor.Data)/k)}
			}
			joined.Shape[0] += int64(k)
			joined.Data = append(joined.Data, tensor.Data...)
			into[id] = joined
		}
	}
	return nil
}
