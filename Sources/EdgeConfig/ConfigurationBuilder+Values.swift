/// Typed access to values, reporting a wrong type as an error at the key (where nats-server
/// reports its "interface conversion" panics).
extension ConfigurationBuilder {
    mutating func fail(_ code: ConfigError.Code, _ message: String, at position: ConfigPosition?, key: String?) {
        errors.append(ConfigError(code, message, at: position, key: key))
    }

    mutating func warn(_ code: ConfigWarning.Code, _ message: String, at position: ConfigPosition?, key: String?) {
        warnings.append(ConfigWarning(code, message, at: position, key: key))
    }

    mutating func string(_ value: ConfigValue, key: String, at: ConfigPosition) -> String? {
        guard let text = value.stringValue else {
            fail(.invalidType, "expected a string, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        return text
    }

    mutating func integer(_ value: ConfigValue, key: String, at: ConfigPosition) -> Int64? {
        guard let number = value.integerValue else {
            fail(.invalidType, "expected an integer, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        return number
    }

    mutating func bool(_ value: ConfigValue, key: String, at: ConfigPosition) -> Bool? {
        guard let flag = value.boolValue else {
            fail(.invalidType, "expected a boolean, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        return flag
    }

    /// A map value, or an error.
    mutating func map(_ value: ConfigValue, key: String, at: ConfigPosition) -> ConfigMap? {
        guard let map = value.mapValue else {
            fail(.invalidType, "expected a map, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        return map
    }

    /// A duration as nats-server's `parseDuration`: a Go duration string, or (deprecated) a
    /// number of seconds, with a warning.
    mutating func duration(_ value: ConfigValue, key: String, at: ConfigPosition) -> Duration? {
        switch value.kind {
        case .string(let text):
            switch GoDuration.parse(text) {
            case .success(let duration): return duration
            case .failure(let error):
                fail(.invalidValue, "error parsing \(key): \(error)", at: at, key: key)
                return nil
            }
        case .integer(let seconds):
            warn(.deprecated, "should be converted to a duration such as \"\(seconds)s\"; the number is read as seconds", at: at, key: key)
            let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            guard !overflow else {
                fail(.invalidValue, "\(seconds) seconds is out of range", at: at, key: key)
                return nil
            }
            return .nanoseconds(nanoseconds)
        default:
            fail(.invalidType, "expected a duration string such as \"2m\", got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
    }

    /// A duration that must be a Go duration string (`lame_duck_duration` and the like).
    mutating func strictDuration(_ value: ConfigValue, key: String, at: ConfigPosition) -> Duration? {
        guard let text = value.stringValue else {
            fail(.invalidType, "expected a duration string such as \"2m\", got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
        switch GoDuration.parse(text) {
        case .success(let duration): return duration
        case .failure(let error):
            fail(.invalidValue, "error parsing \(key): \(error)", at: at, key: key)
            return nil
        }
    }
}
