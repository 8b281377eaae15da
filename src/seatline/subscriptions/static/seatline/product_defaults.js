/* Catalog-driven entry: on a new subscription, choosing a product (or the contract) fills the
   fields from the catalog and the contract's price list. Every value stays editable; a field the
   user typed into is not overwritten. */
(function () {
  "use strict";
  var typed = {};
  var FIELDS = ["name", "kind", "sales_unit", "price", "cost", "provider", "qrb", "qrw_days", "term_months"];

  function field(name) { return document.getElementById("id_" + name); }

  function note(text) {
    var product = field("product");
    if (!product) { return; }
    var box = document.getElementById("product-defaults-note");
    if (!box) {
      box = document.createElement("p");
      box.id = "product-defaults-note";
      box.className = "text-xs text-base-500 mt-1";
      product.closest("div").appendChild(box);
    }
    box.textContent = text;
  }

  function fill() {
    var product = field("product");
    if (!product || !product.value || !document.body.querySelector("form#subscription_form")) { return; }
    var contract = field("contract");
    var params = new URLSearchParams({ product: product.value, contract: contract ? contract.value : "" });
    fetch("../product-defaults/?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.error) { note(data.error); return; }
        FIELDS.forEach(function (name) {
          var input = field(name);
          if (!input || typed[name] || data[name] === null || data[name] === undefined) { return; }
          input.value = String(data[name]);
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
        note(data.note);
      });
  }

  document.addEventListener("input", function (event) {
    var id = event.target && event.target.id;
    if (id && id.indexOf("id_") === 0 && event.isTrusted) { typed[id.slice(3)] = true; }
  });
  function watch() {
    if (window.django && window.django.jQuery) {
      window.django.jQuery(document).on("change", "#id_product, #id_contract", fill);
    } else {
      document.addEventListener("change", function (event) {
        if (event.target && (event.target.id === "id_product" || event.target.id === "id_contract")) { fill(); }
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", watch); } else { watch(); }
})();
