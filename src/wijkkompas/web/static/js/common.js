// Progressive enhancement shared by every page: mark that JavaScript runs.
document.documentElement.classList.add("js");
