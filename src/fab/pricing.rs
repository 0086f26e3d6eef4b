//! Price of a print (DESIGN section 6): material by the gram, a service fee, shipping by region.

use crate::domain::Region;
use serde::{Deserialize, Serialize};

/// Rates, in cents of `currency`; the defaults are the original's EUR prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rates {
    pub currency: String,
    /// Cents per gram of filament (may be fractional: 3.0 = 0.03 per gram).
    pub per_gram_cents: f64,
    pub service_cents: i64,
    pub shipping_eu_cents: i64,
    pub shipping_international_cents: i64,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            currency: "EUR".into(),
            per_gram_cents: 3.0,
            service_cents: 1200,
            shipping_eu_cents: 800,
            shipping_international_cents: 1800,
        }
    }
}

/// The breakdown a person sees at checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub currency: String,
    pub material_cents: i64,
    pub service_cents: i64,
    pub shipping_cents: i64,
    pub total_cents: i64,
}

impl Rates {
    /// Rates a shop could charge: none negative, not a number or absurdly large (the total must not
    /// wrap), and a currency code of three capital letters.
    pub fn check(&self) -> Result<(), String> {
        const MAX_CENTS: i64 = 100_000_000;
        if !(self.per_gram_cents.is_finite() && (0.0..=100_000.0).contains(&self.per_gram_cents)) {
            return Err(format!("pricing.per_gram_cents = {} must be 0-100000", self.per_gram_cents));
        }
        let fixed = [
            ("service_cents", self.service_cents),
            ("shipping_eu_cents", self.shipping_eu_cents),
            ("shipping_international_cents", self.shipping_international_cents),
        ];
        for (name, v) in fixed {
            if !(0..=MAX_CENTS).contains(&v) {
                return Err(format!("pricing.{name} = {v} must be 0-{MAX_CENTS}"));
            }
        }
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "pricing.currency = {:?} must be a three-letter code such as EUR",
                crate::net::clean(&self.currency, 20)
            ));
        }
        Ok(())
    }

    pub fn quote(&self, grams: f64, region: Region) -> Quote {
        // Round material up to the next cent so a print is never priced below its filament.
        let material_cents = (grams.max(0.0) * self.per_gram_cents).ceil() as i64;
        let shipping_cents = match region {
            Region::Eu => self.shipping_eu_cents,
            Region::International => self.shipping_international_cents,
        };
        Quote {
            currency: self.currency.clone(),
            material_cents,
            service_cents: self.service_cents,
            shipping_cents,
            total_cents: material_cents + self.service_cents + shipping_cents,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_prices() {
        let q = Rates::default().quote(50.0, Region::Eu);
        assert_eq!((q.material_cents, q.service_cents, q.shipping_cents, q.total_cents), (150, 1200, 800, 2150));
        let q = Rates::default().quote(33.34, Region::International);
        assert_eq!(q.material_cents, 101);
        assert_eq!(q.total_cents, 101 + 1200 + 1800);
        assert_eq!(Rates::default().quote(-3.0, Region::Eu).material_cents, 0);
    }
}
