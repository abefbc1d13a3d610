q={q-%n/{Fq-==n/{q=={qq!=n/{FF!=n/{FF_*A /{FF_*q=={q--={q-/q={q-%n/{Fq-==n/{FF_*An/{Fq-==n/{q=={qq!=n/{FF!=n/{FF_*A /{FF_*q=={q--={q-/q={q-%n/{Fq-==n/{FF_*A /{FF_*q=={q--={q-/q={q-%n/{Fq-==n/{q=={qq /{FF_*q=={q--={q-/q={q-%n/{Fq-==n/{q=={qq!=î/{FFa=n/{FF_*A /{FFn/{q==n/{FF_* AFF{/_*q

H{q==!=n/{FFa=n/{FF_*A /{FF_*q

H:|=?