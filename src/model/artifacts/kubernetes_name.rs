//! The forms Kubernetes requires of object names, as its API server checks them
//! (k8s.io/apimachinery pkg/util/validation/validation.go: `IsDNS1123Label`,
//! `IsDNS1123Subdomain`, `IsDNS1035Label`; documented at
//! <https://kubernetes.io/docs/concepts/overview/working-with-objects/names/>). A manifest
//! whose name breaks them is refused by the API server, and a name of a Service that breaks
//! them can never resolve.

/// One of the name forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameForm {
    /// RFC 1123 label: at most 63 characters, lowercase letters, digits and `-`, starting and
    /// ending with a letter or digit. Namespaces.
    Dns1123Label,
    /// RFC 1123 subdomain: at most 253 characters, labels as above joined by `.`. Most
    /// objects, AuthConfigs among them.
    Dns1123Subdomain,
    /// RFC 1035 label: an RFC 1123 label that starts with a letter. Services.
    Dns1035Label,
}

impl NameForm {
    /// What the form allows, for messages.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            NameForm::Dns1123Label => {
                "lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters (RFC 1123 label)"
            }
            NameForm::Dns1123Subdomain => {
                "lowercase letters, digits, `-` and `.`, each part between dots starting and ending with a letter or digit, at most 253 characters (RFC 1123 subdomain)"
            }
            NameForm::Dns1035Label => {
                "lowercase letters, digits and `-`, starting with a letter and ending with a letter or digit, at most 63 characters (RFC 1035 label)"
            }
        }
    }

    fn max_len(self) -> usize {
        match self {
            NameForm::Dns1123Subdomain => 253,
            NameForm::Dns1123Label | NameForm::Dns1035Label => 63,
        }
    }

    /// Why `name` is not of this form (`holds `_``), or `None` when it is.
    #[must_use]
    pub fn problem(self, name: &str) -> Option<String> {
        if name.is_empty() {
            return Some("is empty".to_string());
        }
        let length = name.chars().count();
        if length > self.max_len() {
            return Some(format!(
                "is {length} characters long, more than {}",
                self.max_len()
            ));
        }
        let dots = self == NameForm::Dns1123Subdomain;
        if let Some(c) = name.chars().find(|&c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.'))
        }) {
            return Some(format!("holds `{c}`"));
        }
        let labels: Vec<&str> = if dots {
            name.split('.').collect()
        } else {
            vec![name]
        };
        for label in labels {
            let (Some(first), Some(last)) = (label.chars().next(), label.chars().last()) else {
                return Some("has an empty part between dots".to_string());
            };
            if self == NameForm::Dns1035Label && !first.is_ascii_lowercase() {
                return Some(format!("starts with `{first}`, not a letter"));
            }
            if first == '-' {
                return Some(format!("has a part that starts with `-` (`{label}`)"));
            }
            if last == '-' {
                return Some(format!("has a part that ends with `-` (`{label}`)"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::NameForm::*;

    #[test]
    fn names_kubernetes_accepts() {
        for name in [
            "a",
            "ext-auth-service",
            "p-a-b-cluster1-ext-auth-service",
            "0abc",
        ] {
            assert_eq!(Dns1123Label.problem(name), None, "{name}");
            assert_eq!(Dns1123Subdomain.problem(name), None, "{name}");
        }
        assert_eq!(Dns1123Subdomain.problem("a.b-c.d"), None);
        assert_eq!(Dns1035Label.problem("svc-1"), None);
        assert_eq!(Dns1123Subdomain.problem(&"a".repeat(253)), None);
    }

    #[test]
    fn names_kubernetes_refuses() {
        assert_eq!(
            Dns1123Subdomain.problem("oauth-okta-gloo-mesh-$CLUSTER_NAME-ext-auth-service"),
            Some("holds `$`".to_string())
        );
        assert_eq!(Dns1123Label.problem("Upper"), Some("holds `U`".to_string()));
        assert_eq!(Dns1123Label.problem("a.b"), Some("holds `.`".to_string()));
        assert_eq!(
            Dns1123Subdomain.problem("../x"),
            Some("holds `/`".to_string())
        );
        assert_eq!(
            Dns1123Subdomain.problem("a..b"),
            Some("has an empty part between dots".to_string())
        );
        assert!(Dns1123Subdomain.problem("a.-b").is_some());
        assert!(Dns1123Label.problem("-a").is_some());
        assert!(Dns1123Label.problem("a-").is_some());
        assert!(Dns1035Label.problem("1svc").is_some());
        assert!(Dns1123Label.problem(&"a".repeat(64)).is_some());
        assert!(Dns1123Subdomain.problem(&"a".repeat(254)).is_some());
        assert_eq!(Dns1123Label.problem(""), Some("is empty".to_string()));
    }
}
