using System.Security.Cryptography;
using System.Text;

namespace GraphGrpc.Server.Security;

/// <summary>
/// The accepted bearer tokens, kept only as SHA-256 hashes. A presented token is hashed and
/// compared with every accepted hash in constant time, so neither its content, its length nor
/// which token it matched shows in the time taken.
/// </summary>
public sealed class BearerTokens
{
    /// <summary>Shorter tokens are refused at startup: they can be guessed.</summary>
    public const int MinimumLength = 16;

    private readonly byte[][] _hashes;

    private BearerTokens(byte[][] hashes) => _hashes = hashes;

    public int Count => _hashes.Length;

    /// <summary>The tokens the options name, or null when authentication is off; a bad source stops startup with the reason.</summary>
    public static BearerTokens? FromOptions(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tokens = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Tokens))
        {
            tokens.AddRange(options.Tokens.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }
        if (!string.IsNullOrWhiteSpace(options.TokenFile))
        {
            tokens.AddRange(ReadTokenFile(options.TokenFile));
        }
        if (tokens.Count == 0)
        {
            if (options.TokenFile is not null || options.Tokens is not null)
            {
                throw new InvalidOperationException($"{AuthOptions.Section} is set but names no token; every call would be refused.");
            }
            return null;
        }
        for (var i = 0; i < tokens.Count; i++)
        {
            // Positions only: the message must not quote a secret.
            if (tokens[i].Length < MinimumLength)
            {
                throw new InvalidOperationException($"{AuthOptions.Section}: token {i + 1} is shorter than {MinimumLength} characters.");
            }
            if (tokens[i].Any(c => c is <= ' ' or > '~'))
            {
                throw new InvalidOperationException($"{AuthOptions.Section}: token {i + 1} holds a space or a character outside printable ASCII, which metadata cannot carry.");
            }
        }
        return new BearerTokens(tokens.Select(Hash).ToArray());
    }

    /// <summary>Whether <paramref name="token"/> is one of the accepted tokens.</summary>
    public bool Accepts(ReadOnlySpan<char> token)
    {
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = new byte[Encoding.UTF8.GetByteCount(token)];
        Encoding.UTF8.GetBytes(token, bytes);
        SHA256.HashData(bytes, presented);
        CryptographicOperations.ZeroMemory(bytes);
        var matched = false;
        // Every hash is compared, with no early exit.
        foreach (var hash in _hashes)
        {
            matched |= CryptographicOperations.FixedTimeEquals(presented, hash);
        }
        return matched;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static IEnumerable<string> ReadTokenFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{AuthOptions.Section}:TokenFile '{path}' cannot be read: {e.Message}", e);
        }
        return lines.Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#'));
    }
}
