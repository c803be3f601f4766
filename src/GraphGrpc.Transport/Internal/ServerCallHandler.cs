using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace GraphGrpc.Transport.Internal;

/// <summary>
/// What every call kind shares: request validation, the call context, the final status, and
/// turning handler exceptions into statuses.
/// </summary>
internal abstract class ServerCallHandler(ServerMethod method)
{
    protected ServerMethod Method { get; } = method;

    public async Task HandleCallAsync(HttpContext http)
    {
        if (!ValidateRequest(http))
        {
            return;
        }
        DisableLimitsThatBreakStreams(http);
        http.Response.ContentType = GrpcProtocol.ContentType;

        var context = new HttpServerCallContext(http, Method);
        try
        {
            if (context.Initialize() is { } error)
            {
                await context.EndCallAsync(error).ConfigureAwait(false);
                return;
            }
            await HandleCoreAsync(http, context).ConfigureAwait(false);
            await context.EndCallAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await context.EndCallWithExceptionAsync(ex).ConfigureAwait(false);
        }
        finally
        {
            await context.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected abstract Task HandleCoreAsync(HttpContext http, HttpServerCallContext context);

    /// <summary>
    /// gRPC needs HTTP/2 and a gRPC content-type; anything else is answered with an HTTP error
    /// (415 or 426) that also carries a gRPC status, so both kinds of client understand it.
    /// </summary>
    private bool ValidateRequest(HttpContext http)
    {
        var request = http.Request;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            Reject(http, StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{request.ContentType}' is not supported; a gRPC request needs 'application/grpc'.");
            return false;
        }
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            Reject(http, StatusCodes.Status426UpgradeRequired,
                $"Request protocol '{request.Protocol}' is not supported; gRPC needs HTTP/2.");
            return false;
        }
        return true;
    }

    private void Reject(HttpContext http, int httpStatus, string message)
    {
        Method.Logger.LogRejectedRequest(Method.Path, message);
        var response = http.Response;
        response.StatusCode = httpStatus;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = StatusMessageEncoding.Encode(message);
    }

    /// <summary>A long stream may be idle or huge; Kestrel's per-request body limits would cut it.</summary>
    private static void DisableLimitsThatBreakStreams(HttpContext http)
    {
        var features = http.Features;
        if (features.Get<IHttpMinRequestBodyDataRateFeature>() is { } requestRate)
        {
            requestRate.MinDataRate = null;
        }
        if (features.Get<IHttpMinResponseDataRateFeature>() is { } responseRate)
        {
            responseRate.MinDataRate = null;
        }
        if (features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody)
        {
            maxBody.MaxRequestBodySize = null;
        }
    }
}
