using System.Text;

namespace MarketSim.Hocon;

internal enum TokenType
{
    Eof,
    Newline,
    Whitespace,
    Comma,
    Colon,
    Equals,
    PlusEquals,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Unquoted,
    Quoted,
    TripleQuoted,
    SubstStart,
}

internal readonly record struct Token(TokenType Type, string Text, int Line, int Column, bool Flag = false)
{
    /// <summary>For Unquoted: the text is a JSON number. For SubstStart: optional (<c>${?</c>).</summary>
    public bool IsNumber => Flag;

    public string Describe() => Type switch
    {
        TokenType.Eof => "end of input",
        TokenType.Newline => "newline",
        TokenType.Whitespace => "whitespace",
        TokenType.Comma => "','",
        TokenType.Colon => "':'",
        TokenType.Equals => "'='",
        TokenType.PlusEquals => "'+='",
        TokenType.LBrace => "'{'",
        TokenType.RBrace => "'}'",
        TokenType.LBracket => "'['",
        TokenType.RBracket => "']'",
        TokenType.Quoted => "quoted string \"" + Text + "\"",
        TokenType.TripleQuoted => "triple-quoted string",
        TokenType.SubstStart => Flag ? "'${?'" : "'${'",
        _ => "'" + Text + "'",
    };
}

/// <summary>Hand-written tokenizer over a string. Comments are dropped; newlines are kept as tokens.</summary>
internal sealed class Lexer
{
    private readonly string _s;
    private readonly string _file;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    public Lexer(string source, string file)
    {
        _s = source;
        _file = file;
    }

    public static bool IsWhitespace(char c) => c != '\n' && (c == ' ' || c == '\t' || c == '\r' || c == '\uFEFF' || char.IsWhiteSpace(c));

    public static bool IsForbiddenUnquoted(char c) => c switch
    {
        '$' or '"' or '{' or '}' or '[' or ']' or ':' or '=' or ',' or '+' or '#' or '`' or '^' or '?' or '!' or '@' or '*' or '&' or '\\' => true,
        _ => false,
    };

    private int Col => _pos - _lineStart + 1;

    private HoconParseException Error(string detail, int line, int col) => new(_file, line, col, detail);

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>(Math.Max(16, _s.Length / 4));
        var s = _s;
        while (_pos < s.Length)
        {
            var c = s[_pos];
            var line = _line;
            var col = Col;
            switch (c)
            {
                case '\n':
                    tokens.Add(new Token(TokenType.Newline, "\n", line, col));
                    _pos++;
                    _line++;
                    _lineStart = _pos;
                    continue;
                case '#':
                    SkipComment();
                    continue;
                case '/' when _pos + 1 < s.Length && s[_pos + 1] == '/':
                    SkipComment();
                    continue;
                case ',':
                    tokens.Add(new Token(TokenType.Comma, ",", line, col));
                    _pos++;
                    continue;
                case ':':
                    tokens.Add(new Token(TokenType.Colon, ":", line, col));
                    _pos++;
                    continue;
                case '=':
                    tokens.Add(new Token(TokenType.Equals, "=", line, col));
                    _pos++;
                    continue;
                case '{':
                    tokens.Add(new Token(TokenType.LBrace, "{", line, col));
                    _pos++;
                    continue;
                case '}':
                    tokens.Add(new Token(TokenType.RBrace, "}", line, col));
                    _pos++;
                    continue;
                case '[':
                    tokens.Add(new Token(TokenType.LBracket, "[", line, col));
                    _pos++;
                    continue;
                case ']':
                    tokens.Add(new Token(TokenType.RBracket, "]", line, col));
                    _pos++;
                    continue;
                case '+':
                    if (_pos + 1 < s.Length && s[_pos + 1] == '=')
                    {
                        tokens.Add(new Token(TokenType.PlusEquals, "+=", line, col));
                        _pos += 2;
                        continue;
                    }

                    throw Error("expected '+=' but found '+' (a '+' must be quoted in strings)", line, col);
                case '$':
                    if (_pos + 1 < s.Length && s[_pos + 1] == '{')
                    {
                        var optional = _pos + 2 < s.Length && s[_pos + 2] == '?';
                        tokens.Add(new Token(TokenType.SubstStart, optional ? "${?" : "${", line, col, optional));
                        _pos += optional ? 3 : 2;
                        continue;
                    }

                    throw Error("expected '{' after '$' (a '$' must be quoted in strings) but found " + DescribeChar(_pos + 1), line, col);
                case '"':
                    if (_pos + 2 < s.Length && s[_pos + 1] == '"' && s[_pos + 2] == '"')
                    {
                        tokens.Add(LexTriple(line, col));
                    }
                    else
                    {
                        tokens.Add(LexQuoted(line, col));
                    }

                    continue;
            }

            if (IsWhitespace(c))
            {
                var start = _pos;
                while (_pos < s.Length && IsWhitespace(s[_pos]))
                {
                    _pos++;
                }

                tokens.Add(new Token(TokenType.Whitespace, s.Substring(start, _pos - start), line, col));
                continue;
            }

            if (IsForbiddenUnquoted(c))
            {
                throw Error($"expected a value or key but found '{c}' (this character must be quoted)", line, col);
            }

            tokens.Add(LexUnquoted(line, col));
        }

        tokens.Add(new Token(TokenType.Eof, string.Empty, _line, Col));
        return tokens;
    }

    private string DescribeChar(int p) => p < _s.Length ? "'" + _s[p] + "'" : "end of input";

    private void SkipComment()
    {
        while (_pos < _s.Length && _s[_pos] != '\n')
        {
            _pos++;
        }
    }

    private bool EndsUnquoted(int p)
    {
        var c = _s[p];
        if (c == '\n' || IsWhitespace(c) || IsForbiddenUnquoted(c))
        {
            return true;
        }

        return c == '/' && p + 1 < _s.Length && _s[p + 1] == '/';
    }

    private Token LexUnquoted(int line, int col)
    {
        var s = _s;
        var start = _pos;
        var isNumber = false;
        var c = s[_pos];
        if (c == '-' || char.IsAsciiDigit(c))
        {
            var p = _pos;
            if (s[p] == '-')
            {
                p++;
            }

            var digitsStart = p;
            while (p < s.Length && char.IsAsciiDigit(s[p]))
            {
                p++;
            }

            if (p > digitsStart)
            {
                if (p + 1 < s.Length && s[p] == '.' && char.IsAsciiDigit(s[p + 1]))
                {
                    p++;
                    while (p < s.Length && char.IsAsciiDigit(s[p]))
                    {
                        p++;
                    }
                }

                if (p < s.Length && (s[p] == 'e' || s[p] == 'E'))
                {
                    var q = p + 1;
                    if (q < s.Length && (s[q] == '+' || s[q] == '-'))
                    {
                        q++;
                    }

                    if (q < s.Length && char.IsAsciiDigit(s[q]))
                    {
                        while (q < s.Length && char.IsAsciiDigit(s[q]))
                        {
                            q++;
                        }

                        p = q;
                    }
                }

                _pos = p;
                if (_pos >= s.Length || EndsUnquoted(_pos))
                {
                    isNumber = true;
                }
            }
        }

        if (!isNumber)
        {
            while (_pos < s.Length && !EndsUnquoted(_pos))
            {
                _pos++;
            }
        }

        return new Token(TokenType.Unquoted, s.Substring(start, _pos - start), line, col, isNumber);
    }

    private Token LexQuoted(int line, int col)
    {
        var s = _s;
        _pos++; // opening quote
        var start = _pos;

        // fast path: no escapes
        while (_pos < s.Length)
        {
            var c = s[_pos];
            if (c == '"')
            {
                var text = s.Substring(start, _pos - start);
                _pos++;
                return new Token(TokenType.Quoted, text, line, col);
            }

            if (c == '\\' || c == '\n')
            {
                break;
            }

            _pos++;
        }

        var sb = new StringBuilder();
        sb.Append(s, start, _pos - start);
        while (_pos < s.Length)
        {
            var c = s[_pos];
            if (c == '"')
            {
                _pos++;
                return new Token(TokenType.Quoted, sb.ToString(), line, col);
            }

            if (c == '\n')
            {
                throw Error("expected '\"' to close the quoted string but found newline (use \"\"\" for multi-line strings)", _line, Col);
            }

            if (c == '\\')
            {
                if (_pos + 1 >= s.Length)
                {
                    break;
                }

                var e = s[_pos + 1];
                var escCol = Col;
                _pos += 2;
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 > s.Length || !int.TryParse(s.AsSpan(_pos, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("expected four hex digits after '\\u' in quoted string", _line, escCol);
                        }

                        sb.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        throw Error($"expected a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) but found '\\{e}'", _line, escCol);
                }

                continue;
            }

            sb.Append(c);
            _pos++;
        }

        throw Error("expected '\"' to close the quoted string but found end of input", line, col);
    }

    private Token LexTriple(int line, int col)
    {
        var s = _s;
        _pos += 3;
        var start = _pos;
        while (_pos < s.Length)
        {
            var c = s[_pos];
            if (c == '"' && _pos + 2 < s.Length && s[_pos + 1] == '"' && s[_pos + 2] == '"')
            {
                // extra quotes at the end belong to the string: the closing delimiter is the last three
                var end = _pos + 3;
                while (end < s.Length && s[end] == '"')
                {
                    end++;
                }

                var text = s.Substring(start, end - 3 - start);
                _pos = end;
                return new Token(TokenType.TripleQuoted, text, line, col);
            }

            if (c == '\n')
            {
                _line++;
                _lineStart = _pos + 1;
            }

            _pos++;
        }

        throw Error("expected '\"\"\"' to close the multi-line string but found end of input", line, col);
    }
}
